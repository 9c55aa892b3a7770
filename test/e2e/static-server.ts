/**
 * A static file server on loopback for the end-to-end tests, as a host would serve the mixer:
 * with or without the cross-origin isolation headers, with or without CORS/CORP for other
 * origins, and folders mounted at chosen paths (the default model from node_modules, say).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.wav': 'audio/wav',
};

export interface StaticOptions {
  /** URL path prefix → folder or file; the longest matching prefix wins. */
  readonly mounts: Record<string, string>;
  /** Send COOP: same-origin and COEP: require-corp (cross-origin isolation). */
  readonly isolate?: boolean;
  /** Send Access-Control-Allow-Origin: * and Cross-Origin-Resource-Policy: cross-origin. */
  readonly cors?: boolean;
  /** Send this Content-Security-Policy with every response. */
  readonly csp?: string;
}

export interface StaticServer {
  readonly url: string;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function serveStatic(options: StaticOptions): Promise<StaticServer> {
  const mounts = Object.entries(options.mounts).sort(([a], [b]) => b.length - a.length);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const headers: Record<string, string> = {};
    if (options.isolate) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    if (options.cors) {
      headers['Access-Control-Allow-Origin'] = '*';
      headers['Cross-Origin-Resource-Policy'] = 'cross-origin';
    }
    if (options.csp) headers['Content-Security-Policy'] = options.csp;
    const mount = mounts.find(([prefix]) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
    let file: string | null = null;
    if (mount) {
      const [prefix, target] = mount;
      const rest = normalize(path.slice(prefix.length)).replace(/^(\.\.(\/|$))+/, '');
      file = rest && rest !== '/' && rest !== '.' ? join(target, rest) : target;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(statSync(file).size),
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
