/**
 * Key and tempo on the audio thread (AudioWorkletGlobalScope only): Signalsmith Stretch's
 * processor (MIT, its WASM inside), registered as 'signalsmith-stretch'. Importing the package
 * in this scope registers it; the page talks to it through components/audio/stretch-node.ts,
 * so the WASM is bundled here and not into the page's module.
 */
import 'signalsmith-stretch';
