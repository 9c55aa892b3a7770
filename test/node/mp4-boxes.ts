/** A small reader of MP4 boxes for tests: the body of the box at a path of types. */
export function findBoxes(bytes: Uint8Array, path: string[], from = 0, to = bytes.length): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: Uint8Array[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8)); // a 64-bit size
      header = 16;
    } else if (size === 0) size = to - at; // to the end
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (size < header || at + size > to) break;
    if (type === path[0]) {
      if (path.length === 1) found.push(bytes.subarray(at + header, at + size));
      else found.push(...findBoxes(bytes, path.slice(1), at + header, at + size));
    }
    at += size;
  }
  return found;
}

export function findBox(bytes: Uint8Array, path: string[]): Uint8Array | undefined {
  return findBoxes(bytes, path)[0];
}
