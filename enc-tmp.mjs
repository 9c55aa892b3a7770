import { Output, FilePathTarget, FlacOutputFormat, Mp3OutputFormat, Mp4OutputFormat, AudioSampleSource, AudioSample, canEncodeAudio } from 'mediabunny';
import { registerFlacEncoder } from '@mediabunny/flac-encoder';
import { registerAacEncoder } from '@mediabunny/aac-encoder';
import { registerMp3Encoder } from '@mediabunny/mp3-encoder';
console.log('native', await canEncodeAudio('aac'), await canEncodeAudio('flac'), await canEncodeAudio('mp3'));
registerFlacEncoder(); registerAacEncoder(); registerMp3Encoder();
const N = 44100 * 60;
const L = new Float32Array(N), R = new Float32Array(N);
for (let i = 0; i < N; i++) { L[i] = 0.5 * Math.sin(2 * Math.PI * 440 * i / 44100) + 0.1 * Math.sin(i * 0.37); R[i] = Math.round(0.4 * Math.sin(2 * Math.PI * 660 * i / 44100) * 32767) / 32768; }
for (const [name, format, codec, extra] of [['flac', new FlacOutputFormat(), 'flac', {}], ['mp3', new Mp3OutputFormat(), 'mp3', { bitrate: 320000 }], ['m4a', new Mp4OutputFormat(), 'aac', { bitrate: 256000 }]]) {
  const t0 = performance.now();
  const out = new Output({ format, target: new FilePathTarget(`/tmp/x/enc.${name}`) });
  const src = new AudioSampleSource({ codec, ...extra });
  out.addAudioTrack(src);
  await out.start();
  const B = 44100;
  for (let at = 0; at < N; at += B) {
    const n = Math.min(B, N - at); const data = new Float32Array(2 * n); data.set(L.subarray(at, at + n)); data.set(R.subarray(at, at + n), n);
    await src.add(new AudioSample({ data, format: 'f32-planar', numberOfChannels: 2, sampleRate: 44100, timestamp: at / 44100 }));
  }
  await out.finalize();
  console.log(name, ((performance.now() - t0) / 1000).toFixed(2), 's per minute');
}
process.exit(0);
