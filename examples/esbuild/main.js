// The package's ES module, bundled by esbuild; its run-time files are copied by build.mjs.
import { DemucsMixer } from 'demucs-mixer';

const mixer = document.querySelector('demucs-mixer');
mixer.addEventListener('demucs-ready', (e) => console.log(`demucs-mixer ready on ${e.detail.backend}`));
console.log(`${DemucsMixer.name} defined: ${customElements.get('demucs-mixer') === DemucsMixer}`);
