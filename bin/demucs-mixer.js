#!/usr/bin/env node
// Launcher: ONNX Runtime runs fastest with its own arena off when glibc keeps freed memory
// for reuse instead of returning large blocks to the system after every run (measured in
// the README). glibc reads these settings only at start-up, so set them and start the CLI.
// The CLI's runtime (onnxruntime-node, the decoders) is an optional peer of the package, so
// that a web app installing the element gets none of it: say what to install when it is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const NEEDS = {
  separate: ['onnxruntime-node', 'audio-decode', 'audio-type', '@alexanderolsen/libsamplerate-js', 'cli-progress', 'mediabunny', '@mediabunny/flac-encoder', '@mediabunny/mp3-encoder', '@mediabunny/aac-encoder'],
  convert: ['pickleparser', 'fflate', 'onnx-proto', 'yaml', 'cli-progress'],
};
const missing = (NEEDS[process.argv[2]] ?? []).filter((name) => {
  try {
    import.meta.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length) {
  process.stderr.write(
    `demucs-mixer: ${process.argv[2]} needs ${missing.join(', ')} (left out of the package so that web apps do not install them): npm install ${missing.join(' ')}${process.argv[2] === 'separate' ? ' demucs' : ''}\n`,
  );
  process.exit(2);
}

const main = fileURLToPath(new URL('../lib/node/cli/main.js', import.meta.url));
const env = { ...process.env };
if (env.MALLOC_MMAP_MAX_ === undefined) env.MALLOC_MMAP_MAX_ = '0';
if (env.MALLOC_TRIM_THRESHOLD_ === undefined) env.MALLOC_TRIM_THRESHOLD_ = String(2 ** 36);
if (env.MALLOC_ARENA_MAX === undefined) env.MALLOC_ARENA_MAX = '1';
const child = spawnSync(process.execPath, [...process.execArgv, main, ...process.argv.slice(2)], { stdio: 'inherit', env });
if (child.error) {
  process.stderr.write(`demucs-mixer: cannot start: ${child.error.message}\n`);
  process.exit(2);
}
process.exit(child.status ?? 1);
