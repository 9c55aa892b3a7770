#!/usr/bin/env bash
# Encodes the compressed-format fixtures of test/fixtures/audio with Debian's ffmpeg: one second
# of a stereo tone pair (440 Hz left, 660 Hz right, -6 dBFS) in each format the CLI reads.
# WAV variants are made by the tests themselves. Run: bash tools/make-audio-fixtures.sh
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
# A FLAC file cut short, and one whose frames are overwritten with noise after the header.
head -c 6000 "$out/tone.flac" > "$out/truncated.flac"
{ head -c 8192 "$out/tone.flac"; head -c 20000 /dev/urandom; } > "$out/corrupt.flac"
ls -l "$out"
