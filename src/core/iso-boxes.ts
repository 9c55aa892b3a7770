import { DemucsError } from './errors.ts';
import { ascii, view, type ByteSource } from './pcm-blocks.ts';

/**
 * What an MP4/M4A/MOV file says about its audio before any decoder runs, from its box
 * structure: the container's name (from the `ftyp` brand), whether its index (`moov`) is there
 * or was cut off, and each track's handler and sample-entry type, so that encrypted (DRM) audio
 * and codecs we cannot decode are named, and ALAC's magic cookie can be found.
 */

export interface IsoTrack {
  /** `soun` for audio, `vide` for video, … */
  readonly handler: string;
  /** The sample entry's four-character code: `mp4a`, `alac`, `ec-3`, `enca`, … */
  readonly entry: string;
  /** The body of the entry's `alac` box (ALAC's magic cookie), when it has one. */
  readonly alacCookie?: Uint8Array;
}

export interface IsoStructure {
  /** MP4, M4A or MOV, as the brand says. */
  readonly container: string;
  readonly tracks: IsoTrack[];
}

/** Top-level box types an ISO BMFF / QuickTime file starts with. */
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip']);
/** Containers that hold a track's sample entries. */
const PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl'];

/** Whether the bytes start like an MP4/M4A/MOV file. */
export function isIsoMedia(head: Uint8Array): boolean {
  return head.length >= 8 && FIRST_BOXES.has(ascii(head, 4, 8));
}

/** The brand's container name. */
function containerOf(head: Uint8Array): string {
  if (ascii(head, 4, 8) !== 'ftyp' || head.length < 12) return 'MOV';
  const brand = ascii(head, 8, 12);
  if (brand === 'qt  ') return 'MOV';
  return brand.startsWith('M4') ? 'M4A' : 'MP4';
}

interface Box {
  readonly type: string;
  /** Offset of the body in the bytes walked. */
  readonly body: number;
  readonly end: number;
}

/** Boxes in `bytes[from, to)`. */
function boxes(bytes: Uint8Array, from: number, to: number): Box[] {
  const out: Box[] = [];
  const b = view(bytes);
  for (let at = from; at + 8 <= to; ) {
    let size = b.getUint32(at);
    let body = at + 8;
    if (size === 1 && at + 16 <= to) {
      size = Number(b.getBigUint64(at + 8));
      body = at + 16;
    } else if (size === 0) size = to - at;
    if (size < body - at || at + size > to) break;
    out.push({ type: ascii(bytes, at + 4, at + 8), body, end: at + size });
    at += size;
  }
  return out;
}

/**
 * Walks the top-level boxes (reading only their headers, so `mdat` is skipped whatever its
 * size) and parses `moov`. AUDIO_DECODE when the index is missing: a file cut short.
 */
export function readIsoStructure(src: ByteSource, label: string): IsoStructure {
  const head = src.read(0, 16);
  const container = containerOf(head);
  for (let at = 0; at + 8 <= src.size; ) {
    const h = src.read(at, 16);
    let size = view(h).getUint32(0);
    if (size === 1 && h.length >= 16) size = Number(view(h).getBigUint64(8));
    else if (size === 0) size = src.size - at;
    if (size < 8) break;
    if (ascii(h, 4, 8) === 'moov') {
      if (at + size > src.size) break;
      const moov = src.read(at, size);
      return { container, tracks: tracksOf(moov) };
    }
    at += size;
  }
  throw new DemucsError('AUDIO_DECODE', `${label} is an ${container} file cut short or damaged: its index (the "moov" box) is missing, so its audio cannot be found`);
}

function tracksOf(moov: Uint8Array): IsoTrack[] {
  const tracks: IsoTrack[] = [];
  for (const trak of boxes(moov, 8, moov.length).filter((x) => x.type === 'trak')) {
    const mdia = boxes(moov, trak.body, trak.end).find((x) => x.type === 'mdia');
    if (!mdia) continue;
    const inMdia = boxes(moov, mdia.body, mdia.end);
    const hdlr = inMdia.find((x) => x.type === 'hdlr');
    const handler = hdlr ? ascii(moov, hdlr.body + 8, hdlr.body + 12) : '';
    let level = inMdia;
    for (const name of PATH.slice(3)) {
      const next = level.find((x) => x.type === name);
      level = next ? boxes(moov, next.body, next.end) : [];
    }
    const stsd = level.find((x) => x.type === 'stsd');
    // stsd: version/flags, entry count, then the first entry (size, type, body).
    const entryAt = stsd ? stsd.body + 8 : -1;
    if (!stsd || entryAt + 8 > stsd.end) continue;
    const entry = ascii(moov, entryAt + 4, entryAt + 8);
    tracks.push({ handler, entry, alacCookie: entry === 'alac' ? alacCookie(moov, entryAt, stsd.end) : undefined });
  }
  return tracks;
}

/** The `alac` box inside an `alac` sample entry (after the 28-byte audio sample entry header). */
function alacCookie(moov: Uint8Array, entryAt: number, end: number): Uint8Array | undefined {
  const size = view(moov).getUint32(entryAt);
  const inner = boxes(moov, entryAt + 36, Math.min(end, entryAt + size)).find((x) => x.type === 'alac');
  return inner ? moov.slice(inner.body + 4, inner.end) : undefined; // skip version/flags
}
