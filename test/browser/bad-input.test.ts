/**
 * The browser's bad-input matrix: each file (every format truncated and corrupt, empty, 0
 * channels, absurd sample rates, NaN and ∞ floats, 1 sample, 8 channels, a text file renamed
 * .mp3, an HTML error page served as a song, a song URL that 404s) gives its outcome within 10 s:
 * the right error code, or, where the file holds audio, the stems of what it holds. WAV, FLAC,
 * MP3, Ogg Vorbis and Opus are decoded in the worker as the CLI decodes them (a WAV shorter than
 * its header says is refused as truncated; an MP3 cut short decodes to what is there; FLAC and
 * Ogg files cut in half, small as these are, decode to nothing); other files go to the browser.
 */
import { MixerError, type DemucsMixer } from '../../components/demucs-mixer.ts';
import { decodeBuffer, MAX_SONG_SECONDS } from '../../components/audio/decode-audio.ts';
import { isDemucsError } from '../../src/core/errors.ts';
import { equal, ok, rejects } from './assert.ts';
import { MODELS } from './helpers.ts';
import { testMixer } from './mixer-helpers.ts';

/** A WAV file from its header fields and data bytes (fields may be absurd on purpose). */
function wav(o: { channels: number; rate: number; bits: number; format?: number; frames: number; data?: Uint8Array; declaredBytes?: number }): Uint8Array {
  const blockAlign = (o.channels * o.bits) / 8;
  const data = o.data ?? new Uint8Array(o.frames * blockAlign);
  const out = new Uint8Array(44 + data.length);
  const v = new DataView(out.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  v.setUint32(4, 36 + (o.declaredBytes ?? data.length), true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, o.format ?? (o.bits === 32 ? 3 : 1), true);
  v.setUint16(22, o.channels, true);
  v.setUint32(24, o.rate, true);
  v.setUint32(28, o.rate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, o.bits, true);
  text(36, 'data');
  v.setUint32(40, o.declaredBytes ?? data.length, true);
  out.set(data, 44);
  return out;
}

/** Float32 stereo frames of a tone, with `poison` written at frame 1000. */
function floats(frames: number, poison?: number): Uint8Array {
  const f = Float32Array.from({ length: 2 * frames }, (_, i) => 0.3 * Math.sin(i * 0.01));
  if (poison !== undefined) f[2000] = poison;
  return new Uint8Array(f.buffer);
}

const fetchBytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const half = (b: Uint8Array) => b.slice(0, Math.floor(b.length / 2));
/** The first bytes kept (the format's signature), the rest overwritten with a seeded pattern. */
const corrupt = (b: Uint8Array, keep = 64) => Uint8Array.from(b, (x, i) => (i < keep ? x : (i * 151 + 7) & 0xff));

type Outcome = { code: string } | { seconds: number };
const AUDIO = '/test/fixtures/audio';

describe('bad input in the browser: each file gives its outcome within 10 s', function () {
  this.timeout(600000);
  let el: DemucsMixer;

  before(async () => {
    el = await testMixer();
    await el.loadModel(`${MODELS}/wave4.onnx`);
  });
  after(() => el.remove());

  async function outcome(source: File | string): Promise<Outcome> {
    const started = performance.now();
    try {
      await el.load(source);
      return { seconds: el.duration };
    } catch (error) {
      ok(error instanceof MixerError, String(error));
      return { code: (error as MixerError).code };
    } finally {
      const took = (performance.now() - started) / 1000;
      ok(took < 10, `${typeof source === 'string' ? source : source.name}: ${took.toFixed(1)} s`);
    }
  }
  const file = (bytes: Uint8Array | string, name: string, type = '') => new File([bytes as BlobPart], name, { type });

  const cases: [string, () => Promise<File | string>, (o: Outcome) => boolean, string][] = [
    ['an empty file', async () => file(new Uint8Array(0), 'empty.wav'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a text file renamed .mp3', async () => file('Dear diary, today I separated nothing.\n'.repeat(40), 'song.mp3', 'audio/mpeg'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['an HTML error page served as a song', async () => URL.createObjectURL(new Blob(['<!doctype html><title>404</title><h1>Not found</h1>'.repeat(20)], { type: 'text/html' })), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['a song URL that 404s', async () => '/test/fixtures/audio/no-such-song.mp3', (o) => 'code' in o && o.code === 'IO', 'IO'],
    ['a WAV header and no samples', async () => file(wav({ channels: 2, rate: 44100, bits: 16, frames: 0 }), 'none.wav'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a WAV with 0 channels', async () => file(wav({ channels: 0, rate: 44100, bits: 16, frames: 0, data: new Uint8Array(4000) }), 'zero-channels.wav'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['a WAV at 0 Hz', async () => file(wav({ channels: 2, rate: 0, bits: 16, frames: 1000 }), 'zero-hz.wav'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['a WAV at 1 Hz', async () => file(wav({ channels: 2, rate: 1, bits: 16, frames: 1000 }), 'one-hz.wav'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['a WAV at 10 MHz', async () => file(wav({ channels: 2, rate: 10_000_000, bits: 16, frames: 100000 }), 'ten-mhz.wav'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['float samples with a NaN', async () => file(wav({ channels: 2, rate: 44100, bits: 32, frames: 20000, data: floats(20000, NaN) }), 'nan.wav'), (o) => 'code' in o && o.code === 'AUDIO_NOT_FINITE', 'AUDIO_NOT_FINITE'],
    ['float samples with +∞', async () => file(wav({ channels: 2, rate: 44100, bits: 32, frames: 20000, data: floats(20000, Infinity) }), 'inf.wav'), (o) => 'code' in o && o.code === 'AUDIO_NOT_FINITE', 'AUDIO_NOT_FINITE'],
    ['one sample', async () => file(wav({ channels: 2, rate: 44100, bits: 32, frames: 1, data: floats(1) }), 'one.wav'), (o) => 'seconds' in o && Math.abs(o.seconds - 1 / 44100) < 1e-9, 'separated, 1 sample'],
    ['eight channels', async () => file(wav({ channels: 8, rate: 44100, bits: 16, frames: 30000, data: Uint8Array.from({ length: 30000 * 16 }, (_, i) => (i * 37) & 0xff) }), 'eight.wav'), (o) => 'seconds' in o && Math.abs(o.seconds - 30000 / 44100) < 1e-9, 'separated, 30000 samples'],
    ['a WAV cut short of its declared length', async () => file(wav({ channels: 2, rate: 44100, bits: 16, frames: 20000, declaredBytes: 160000 }), 'cut.wav'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE (truncated)'],
    // The browser's decoder cannot read it either: the worker's naming of the format stands (as in the CLI).
    ['a WAV with a corrupt format chunk', async () => file(wav({ channels: 2, rate: 44100, bits: 13, format: 77, frames: 1000 }), 'bad-fmt.wav'), (o) => 'code' in o && o.code === 'AUDIO_UNSUPPORTED', 'AUDIO_UNSUPPORTED'],
    ['a whole FLAC', async () => file(await fetchBytes(`${AUDIO}/tone.flac`), 'tone.flac'), (o) => 'seconds' in o && o.seconds > 0.5, 'separated'],
    ['a whole FLAC at 48 kHz (resampled)', async () => file(await fetchBytes(`${AUDIO}/tone-48k.flac`), 'tone-48k.flac'), (o) => 'seconds' in o && o.seconds > 0.5, 'separated'],
    ['a whole MP3', async () => file(await fetchBytes(`${AUDIO}/tone.mp3`), 'tone.mp3'), (o) => 'seconds' in o && o.seconds > 0.5, 'separated'],
    ['a whole Ogg Vorbis', async () => file(await fetchBytes(`${AUDIO}/tone.ogg`), 'tone.ogg'), (o) => 'seconds' in o && o.seconds > 0.5, 'separated'],
    ['a whole Opus', async () => file(await fetchBytes(`${AUDIO}/tone.opus`), 'tone.opus'), (o) => 'seconds' in o && o.seconds > 0.5, 'separated'],
    ['a truncated FLAC', async () => file(await fetchBytes(`${AUDIO}/truncated.flac`), 'truncated.flac'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a corrupt FLAC', async () => file(await fetchBytes(`${AUDIO}/corrupt.flac`), 'corrupt.flac'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a truncated MP3', async () => file(half(await fetchBytes(`${AUDIO}/tone.mp3`)), 'half.mp3'), (o) => 'seconds' in o && o.seconds > 0.3 && o.seconds < 0.7, 'separated, the part it holds'],
    ['a corrupt MP3', async () => file(corrupt(await fetchBytes(`${AUDIO}/tone.mp3`), 16), 'corrupt.mp3'), (o) => 'code' in o && o.code === 'AUDIO_DECODE', 'AUDIO_DECODE'],
    ['a truncated Ogg Vorbis', async () => file(half(await fetchBytes(`${AUDIO}/tone.ogg`)), 'half.ogg'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a corrupt Ogg Vorbis', async () => file(corrupt(await fetchBytes(`${AUDIO}/tone.ogg`)), 'corrupt.ogg'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a truncated Opus', async () => file(half(await fetchBytes(`${AUDIO}/tone.opus`)), 'half.opus'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
    ['a corrupt Opus', async () => file(corrupt(await fetchBytes(`${AUDIO}/tone.opus`)), 'corrupt.opus'), (o) => 'code' in o && o.code === 'AUDIO_EMPTY', 'AUDIO_EMPTY'],
  ];
  for (const [what, make, right, expected] of cases) {
    it(`${what}: ${expected}`, async () => {
      const result = await outcome(await make());
      ok(right(result), `${what}: got ${JSON.stringify(result)}`);
    });
  }

  it('a WAV whose header promises two hours but holds a moment: AUDIO_DECODE naming the truncation, at once', async () => {
    const big = file(wav({ channels: 2, rate: 44100, bits: 16, frames: 1000, declaredBytes: 2 * 3600 * 44100 * 4 }), 'two-hours.wav');
    let message = '';
    el.addEventListener('demucs-error', (e) => (message = (e as CustomEvent<{ message: string }>).detail.message), { once: true });
    const result = await outcome(big);
    ok('code' in result && result.code === 'AUDIO_DECODE' && /truncated/.test(message), `${JSON.stringify(result)} ${message}`);
  });

  it('the browser’s own decoder (formats the worker does not read) stops at 20 minutes: AUDIO_TOO_LONG', async () => {
    ok(MAX_SONG_SECONDS === 1200);
    const bytes = await fetchBytes(`${AUDIO}/tone.mp3`);
    const ok1 = await decodeBuffer(bytes.slice().buffer, 'tone.mp3', undefined, 60);
    ok(ok1.duration > 0.5, 'under the limit it decodes');
    await rejects(decodeBuffer(bytes.slice().buffer, 'tone.mp3', undefined, 0.5), (e) => isDemucsError(e) && e.code === 'AUDIO_TOO_LONG' && /tone\.mp3 lasts/.test(e.message));
  });

  it('after all of them the mixer still separates a good file', async () => {
    const good = file(wav({ channels: 2, rate: 44100, bits: 32, frames: 30000, data: floats(30000) }), 'good.wav');
    equal((await outcome(good) as { seconds: number }).seconds, 30000 / 44100);
  });
});
