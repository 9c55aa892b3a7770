#!/usr/bin/env node
// Brotli-compresses a large fixture (the full-size checkpoint of make-checkpoint-fixtures.py)
// to FILE.br and removes FILE: tests decompress it into a temporary folder.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const bytes = readFileSync(file);
  const packed = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  writeFileSync(`${file}.br`, packed);
  rmSync(file);
  console.log(`${file}: ${(bytes.length / 1e6).toFixed(1)} MB → ${(packed.length / 1e6).toFixed(1)} MB`);
}
