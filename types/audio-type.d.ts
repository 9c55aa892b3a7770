// Types for audio-type 2 (format detection from the first bytes), which ships none.
declare module 'audio-type' {
  export default function getType(bytes: Uint8Array): string | undefined;
}
