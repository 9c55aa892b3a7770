#!/usr/bin/env node
// The declarations tsc writes keep the sources' `.ts` import specifiers; a package's
// declarations import `.js` (each resolves to its `.d.ts`). Rewrites them under the given folders.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;

function visit(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) visit(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(RELATIVE_TS, '$1$2.js$3');
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
}

for (const dir of process.argv.slice(2)) visit(dir);
