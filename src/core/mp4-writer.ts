/**
 * A small MP4 muxer for audio tracks whose codec mediabunny does not write (ALAC, for lossless
 * NI Stems): `ftyp`, one `mdat` filled chunk by chunk as the packets come (memory stays one
 * chunk), then `moov` at the end with each track's sample tables (64-bit chunk offsets) and an
 * optional `udta`. Writes go through a sink that takes bytes at a position (a file descriptor,
 * an OPFS handle, a growing buffer).
 */

export interface ByteSink {
  write(bytes: Uint8Array, at: number): void;
}

export interface Mp4AudioTrack {
  /** The whole sample entry box (e.g. `alac` with its magic cookie). */
  readonly sampleEntry: Uint8Array;
  /** Whether players play it (`tkhd` flag "enabled"). */
  readonly enabled: boolean;
}

interface TrackTables {
  readonly sizes: number[];
  readonly durations: number[];
  /** [file offset, sample count] of each chunk. */
  readonly chunks: [number, number][];
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const u8 = (...values: number[]) => Uint8Array.from(values);
function u16(v: number): Uint8Array {
  return u8(v >>> 8, v & 0xff);
}
function u32(v: number): Uint8Array {
  return u8(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}
function u64(v: number): Uint8Array {
  return concat([u32(Math.floor(v / 2 ** 32)), u32(v >>> 0)]);
}
const fourcc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A box: size, type, body. */
export function box(type: string, ...body: Uint8Array[]): Uint8Array {
  const content = concat(body);
  return concat([u32(8 + content.length), fourcc(type), content]);
}

/** A full box: version 0 and `flags` before the body. */
function fullBox(type: string, flags: number, ...body: Uint8Array[]): Uint8Array {
  return box(type, u32(flags & 0xffffff), ...body);
}

/** The unity transformation matrix of mvhd/tkhd. */
const MATRIX = concat([u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000)]);

/** Runs of equal values: [count, value]. */
function runs(values: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out.at(-1);
    if (last && last[1] === v) last[0]++;
    else out.push([1, v]);
  }
  return out;
}

export class Mp4Writer {
  readonly #sink: ByteSink;
  readonly #tracks: readonly Mp4AudioTrack[];
  readonly #tables: TrackTables[];
  readonly #timescale: number;
  readonly #mdatAt: number;
  #end: number;

  /** Starts the file: `ftyp` and the `mdat` header (its size filled in by `finish`). */
  constructor(sink: ByteSink, tracks: readonly Mp4AudioTrack[], timescale: number) {
    this.#sink = sink;
    this.#tracks = tracks;
    this.#timescale = timescale;
    this.#tables = tracks.map(() => ({ sizes: [], durations: [], chunks: [] }));
    const ftyp = box('ftyp', fourcc('M4A '), u32(0), fourcc('M4A '), fourcc('mp42'), fourcc('isom'));
    sink.write(ftyp, 0);
    this.#mdatAt = ftyp.length;
    sink.write(concat([u32(1), fourcc('mdat'), u64(0)]), this.#mdatAt);
    this.#end = this.#mdatAt + 16;
  }

  /** Appends packets of `track` as one chunk; `durations` in the timescale's ticks. */
  addChunk(track: number, packets: readonly Uint8Array[], durations: readonly number[]): void {
    if (packets.length === 0) return;
    const tables = this.#tables[track]!;
    tables.chunks.push([this.#end, packets.length]);
    for (const [k, packet] of packets.entries()) {
      this.#sink.write(packet, this.#end);
      this.#end += packet.length;
      tables.sizes.push(packet.length);
      tables.durations.push(durations[k]!);
    }
  }

  /** Fills in `mdat`'s size and writes `moov` (with `udta` holding `userData` boxes). */
  finish(userData: readonly Uint8Array[] = []): void {
    this.#sink.write(u64(this.#end - this.#mdatAt), this.#mdatAt + 8);
    const lengths = this.#tables.map((t) => t.durations.reduce((a, b) => a + b, 0));
    const duration = Math.max(0, ...lengths);
    const mvhd = fullBox('mvhd', 0, u32(0), u32(0), u32(this.#timescale), u32(duration), u32(0x10000), u16(0x100), new Uint8Array(10), MATRIX, new Uint8Array(24), u32(this.#tracks.length + 1));
    const traks = this.#tracks.map((track, k) => this.#trak(track, k, lengths[k]!));
    const udta = userData.length ? [box('udta', ...userData)] : [];
    this.#sink.write(box('moov', mvhd, ...traks, ...udta), this.#end);
  }

  #trak(track: Mp4AudioTrack, k: number, length: number): Uint8Array {
    const t = this.#tables[k]!;
    // flags: in movie (2), and enabled (1) for the tracks players play; one alternate group of audio.
    const tkhd = fullBox('tkhd', track.enabled ? 3 : 2, u32(0), u32(0), u32(k + 1), u32(0), u32(length), new Uint8Array(8), u16(0), u16(1), u16(0x100), u16(0), MATRIX, u32(0), u32(0));
    const mdhd = fullBox('mdhd', 0, u32(0), u32(0), u32(this.#timescale), u32(length), u16(0x55c4), u16(0)); // language 'und'
    const hdlr = fullBox('hdlr', 0, u32(0), fourcc('soun'), new Uint8Array(12), fourcc('SoundHandler\0'));
    const stsd = fullBox('stsd', 0, u32(1), track.sampleEntry);
    const stts = fullBox('stts', 0, u32(runs(t.durations).length), ...runs(t.durations).map(([n, d]) => concat([u32(n), u32(d)])));
    const perChunk = runs(t.chunks.map(([, n]) => n));
    let first = 1;
    const stsc = fullBox('stsc', 0, u32(perChunk.length), ...perChunk.map(([count, n]) => {
      const entry = concat([u32(first), u32(n), u32(1)]);
      first += count;
      return entry;
    }));
    const stsz = fullBox('stsz', 0, u32(0), u32(t.sizes.length), ...t.sizes.map(u32));
    const co64 = fullBox('co64', 0, u32(t.chunks.length), ...t.chunks.map(([at]) => u64(at)));
    const dinf = box('dinf', fullBox('dref', 0, u32(1), fullBox('url ', 1)));
    const minf = box('minf', fullBox('smhd', 0, u16(0), u16(0)), dinf, box('stbl', stsd, stts, stsc, stsz, co64));
    return box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  }
}

/** An `alac` sample entry: the audio sample entry header, then the `alac` box with the cookie. */
export function alacSampleEntry(cookie: Uint8Array, channels: number, bits: number, sampleRate: number): Uint8Array {
  return box('alac', new Uint8Array(6), u16(1), new Uint8Array(8), u16(channels), u16(bits), u16(0), u16(0), u32(sampleRate * 0x10000 >>> 0), fullBox('alac', 0, cookie));
}
