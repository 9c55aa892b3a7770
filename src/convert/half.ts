/** IEEE 754 half precision, as Demucs stores its released weights. */

/** IEEE 754 half → float (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** fp16 bits → float32 values (exact). */
export function halvesToFloats(bits: Uint16Array): Float32Array {
  return Float32Array.from(bits, halfToFloat);
}

/** The fp16 bits of every value, when each one is exactly an fp16 number (a weight trained in fp16 saved as fp32); else null. */
export function exactHalves(values: Float32Array): Uint16Array | null {
  const out = new Uint16Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i]!;
    const sign = (b >>> 16) & 0x8000;
    const exponent = ((b >>> 23) & 0xff) - 127;
    const mantissa = b & 0x7fffff;
    if ((b & 0x7fffffff) === 0) out[i] = sign;
    else if (exponent >= -14 && exponent <= 15) {
      if (mantissa & 0x1fff) return null;
      out[i] = sign | ((exponent + 15) << 10) | (mantissa >>> 13);
    } else if (exponent >= -24 && exponent < -14) {
      const m = Math.abs(values[i]!) * 2 ** 24;
      if (!Number.isInteger(m)) return null;
      out[i] = sign | m;
    } else return null;
  }
  return out;
}
