// Debian's Chromium and the flags that run it headless here (shared/docs/TOOLCHAIN.md), for the
// browser suite, the end-to-end suite and the browser benchmark. Never a downloaded browser.
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** SwiftShader's WebGPU adapter: tests the WebGPU code path (slowly), never for timing. */
export const WEBGPU_FLAG = '--enable-unsafe-webgpu';
