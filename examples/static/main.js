import { enableCrossOriginIsolation } from './demucs-mixer.standalone.js';

// For hosts that cannot send COOP/COEP headers: a service worker adds them (one reload).
// Where the headers are sent, this does nothing.
await enableCrossOriginIsolation('./demucs-mixer-sw.js');
