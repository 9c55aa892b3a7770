// Vite's `?worker&url` imports (AudioWorklet modules, bundled on their own): the module's URL.
declare module '*?worker&url' {
  const url: string;
  export default url;
}
