import { mixerAssets } from '../../components/clients/assets.ts';
import { SeparationClient } from '../../components/clients/separation-client.ts';
import type { SongInfo } from '../../src/worker/protocol.ts';
import { deepEqual, equal, ok } from './assert.ts';
import { MODELS } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';
import { corruptSamples, LOSSLESS, LOSSY, lossyLengthOk, TONE_FRAMES, toneShare } from '../node/container-fixtures.ts';
import { MixerError } from '../../components/index.ts';

/**
 * Every container the worker decodes (issue 19): the fixtures of tools/make-audio-fixtures.sh,
 * all made from tone.wav. Through wave4 (stems = gains of the mix) a lossless file's stems must
 * equal the WAV's exactly, as in the CLI; lossy ones must hold the tone at its length.
 */
const AUDIO = '/test/fixtures/audio';

async function separateFile(client: SeparationClient, name: string): Promise<{ info: SongInfo | null; bass: Float32Array[]; stated?: number | null; failure?: { code: string; message: string } }> {
  const song = new File([await (await fetch(`${AUDIO}/${name}`)).arrayBuffer()], name);
  let info: SongInfo | null = null;
  let stated: number | null | undefined;
  const bass: Float32Array[] = [];
  const done = await client.separateSong(
    { song, label: name, shifts: 0, stems: ['bass'] },
    (i) => {
      info = i;
      bass.push(new Float32Array(i.length), new Float32Array(i.length));
    },
    (region) => region.channels[0]!.forEach((x, c) => bass[c]!.set(x, region.start)),
    undefined,
    (p) => {
      // The first report comes before any decoding: the length the file states.
      if (stated === undefined) stated = p.statedSeconds;
    },
  );
  return done.ok ? { info, bass, stated } : { info, bass, stated, failure: { code: done.code, message: done.message } };
}

describe('every container in, in the worker', function () {
  this.timeout(300000);
  let client: SeparationClient;
  before(async () => {
    client = new SeparationClient(mixerAssets(null));
    const info = await client.loadModel(new URL(`${MODELS}/wave4.onnx`, location.href).href, { backends: ['wasm'] }, () => undefined);
    ok(info.ok, info.ok ? '' : info.message);
  });
  after(() => client.dispose());

  it('lossless containers give stems identical to the WAV they were made from', async () => {
    const wav = await separateFile(client, 'tone.wav');
    equal(wav.info?.length, TONE_FRAMES);
    for (const [name, format] of LOSSLESS) {
      const got = await separateFile(client, name);
      ok(!got.failure, `${name}: ${got.failure?.message}`);
      equal(got.info?.format, format, name);
      deepEqual(got.bass, wav.bass, `${name}: stems differ from the WAV's`);
      ok(got.stated !== null && Math.abs(got.stated! - 0.5) < 0.01, `${name}: length stated before decoding ${got.stated}`);
    }
  });

  it('lossy codecs in MP4, M4A and WebM/Matroska (and a music video) hold the tone at its length', async () => {
    for (const [name, format] of LOSSY) {
      const got = await separateFile(client, name);
      ok(!got.failure, `${name}: ${got.failure?.message}`);
      equal(got.info?.format, format, name);
      const [left, right] = got.bass as [Float32Array, Float32Array];
      // Priming and (in MP4) padding trimmed; WebM/Matroska may keep the last packet's overhang.
      ok(lossyLengthOk(left.length), `${name}: ${left.length} samples`);
      for (const [ch, hz] of [[left, 440], [right, 660]] as const) ok(toneShare(ch, hz) > 0.98, `${name} ${hz} Hz: ${toneShare(ch, hz)}`);
    }
  });

  it('an M4A with corrupt samples: a named error (or what decodes of it), never a hang', async () => {
    const song = new File([corruptSamples(new Uint8Array(await (await fetch(`${AUDIO}/tone.m4a`)).arrayBuffer())) as BlobPart], 'corrupt.m4a');
    const started = performance.now();
    const done = await client.separateSong({ song, label: 'corrupt.m4a', shifts: 0, stems: ['bass'] }, () => undefined, () => undefined);
    ok(performance.now() - started < 10000, 'within 10 s');
    if (!done.ok) ok(['AUDIO_DECODE', 'AUDIO_EMPTY'].includes(done.code) && /corrupt\.m4a/.test(done.message), `${done.code}: ${done.message}`);
  });

  it('what cannot be decoded is named: E-AC-3, encrypted audio, a video without audio, an M4A cut short', async () => {
    const cases: [string, string, RegExp][] = [
      ['tone-eac3.m4a', 'AUDIO_UNSUPPORTED', /tone-eac3\.m4a is an MP4 file with E-AC-3 audio, which is not supported/],
      ['encrypted.m4a', 'AUDIO_UNSUPPORTED', /encrypted\.m4a is an M4A file with encrypted \(DRM-protected\) audio/],
      ['no-audio.mp4', 'AUDIO_EMPTY', /no-audio\.mp4 is an MP4 video file with no audio track/],
      ['truncated.m4a', 'AUDIO_DECODE', /truncated\.m4a is an M4A file cut short or damaged/],
    ];
    for (const [name, code, message] of cases) {
      const got = await separateFile(client, name);
      equal(got.failure?.code, code, name);
      ok(message.test(got.failure?.message ?? ''), `${name}: ${got.failure?.message}`);
    }
  });

  it('in the mixer, E-AC-3 (which the browser cannot decode either) keeps the worker’s naming of it', async () => {
    const el = await testMixer();
    try {
      await el.loadModel(`${MODELS}/wave4.onnx`);
      const song = new File([await (await fetch(`${AUDIO}/tone-eac3.m4a`)).arrayBuffer()], 'tone-eac3.m4a');
      const error = await el.load(song).then(() => null, (e: unknown) => e);
      ok(error instanceof MixerError && error.code === 'AUDIO_UNSUPPORTED' && /E-AC-3/.test(error.message), String(error));
      await el.load(new File([await (await fetch(`${AUDIO}/tone.m4a`)).arrayBuffer()], 'tone.m4a'));
      ok(Math.abs(el.duration - 0.5) < 0.01, `duration ${el.duration}`);
    } finally {
      el.remove();
    }
  });
});
