#!/usr/bin/env bash
# Encodes the compressed-format fixtures of test/fixtures/audio with Debian's ffmpeg: one second
# of a stereo tone pair (440 Hz left, 660 Hz right, -6 dBFS) in each format the CLI reads.
# WAV variants are made by the tests themselves, but for tone.wav, the source of the containers. Run: bash tools/make-audio-fixtures.sh
set -euo pipefail
out=test/fixtures/audio
mkdir -p "$out"
src="sine=frequency=440:sample_rate=44100:duration=1"
tone=(-f lavfi -i "$src" -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=1"
  -filter_complex "[0][1]amerge=inputs=2,volume=0.5[a]" -map "[a]")
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
ff "${tone[@]}" -c:a flac "$out/tone.flac"
ff "${tone[@]}" -c:a libmp3lame -b:a 128k "$out/tone.mp3"
ff "${tone[@]}" -c:a libvorbis -q:a 5 "$out/tone.ogg"
ff "${tone[@]}" -c:a libopus -b:a 96k "$out/tone.opus"
ff "${tone[@]}" -ar 48000 -c:a flac "$out/tone-48k.flac"
# Containers of the issue-19 inputs, all encoded from one half-second 16-bit WAV (committed), so
# that every lossless one decodes to exactly its samples: MP4/M4A/MOV (AAC, ALAC, MP3, FLAC,
# PCM), a music video's first audio track, WebM/Matroska (Opus, Vorbis, FLAC), AIFF/AIFC, CAF.
wav="$out/tone.wav"
ff "${tone[@]}" -t 0.5 -c:a pcm_s16le "$wav"
from() { ff -i "$wav" "$@"; }
from -c:a flac "$out/tone-same.flac"
from -c:a aac -b:a 128k "$out/tone.m4a"
from -c:a alac "$out/tone-alac.m4a"
from -c:a libmp3lame -b:a 128k "$out/tone-mp3.mp4"
from -c:a flac -strict experimental "$out/tone-flac.mp4"
from -c:a pcm_s16le "$out/tone-pcm.mov"
ff -f lavfi -i "color=c=gray:s=32x32:r=10:d=0.5" -i "$wav" -map 0:v -map 1:a -c:v libx264 \
  -pix_fmt yuv420p -c:a aac -b:a 96k -shortest "$out/clip.mp4"
from -c:a libopus -b:a 96k "$out/tone.webm"
from -c:a libvorbis -q:a 4 "$out/tone-vorbis.mkv"
from -c:a flac "$out/tone-flac.mkv"
from -c:a pcm_s16be "$out/tone.aiff"
from -c:a pcm_s24be -f aiff "$out/tone-24.aif"
from -c:a pcm_f32be -f aiff "$out/tone-float.aifc"
from -c:a pcm_s24le "$out/tone.caf"
# 24-bit ALAC of noise with a silent stretch: the ALAC decoder's wide samples and runs of zeros.
ff -f lavfi -i "anoisesrc=d=0.3:c=pink:r=44100:a=0.5:seed=7" -f lavfi -i "anoisesrc=d=0.3:c=white:r=44100:a=0.2:seed=8" \
  -filter_complex "[0][1]amerge=inputs=2,volume=enable='between(t,0.1,0.2)':volume=0,aformat=sample_fmts=s32p[a]" -map "[a]" \
  -c:a alac "$out/noise-alac.m4a"
# What we refuse by name: E-AC-3 in MP4, encrypted (DRM-style) AAC, an MP4 without audio, and an
# M4A cut short (its index, written last, is gone).
from -c:a eac3 -b:a 192k -f mp4 "$out/tone-eac3.m4a"
from -c:a aac -b:a 96k -encryption_scheme cenc-aes-ctr \
  -encryption_key 00112233445566778899aabbccddeeff -encryption_kid 00112233445566778899aabbccddeeff "$out/encrypted.m4a"
ff -f lavfi -i "color=c=gray:s=32x32:r=10:d=0.5" -c:v libx264 -pix_fmt yuv420p "$out/no-audio.mp4"
head -c 2000 "$out/tone.m4a" > "$out/truncated.m4a"
# A FLAC file cut short, and one whose frames are overwritten with noise after the header.
head -c 6000 "$out/tone.flac" > "$out/truncated.flac"
{ head -c 8192 "$out/tone.flac"; head -c 20000 /dev/urandom; } > "$out/corrupt.flac"
ls -l "$out"
