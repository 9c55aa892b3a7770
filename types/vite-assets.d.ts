// Vite's `?worker&url` imports (AudioWorklet modules, bundled on their own): the module's URL.
declare module '*?worker&url' {
  const url: string;
  export default url;
}
// Vite's `?url` imports (WASM and scripts loaded at run time): the file's URL.
declare module '*?url' {
  const url: string;
  export default url;
}
