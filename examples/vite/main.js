// The package's ES module: defines <demucs-mixer>; Vite copies its workers and WASM files.
import 'demucs-mixer';

const mixer = document.querySelector('demucs-mixer');
const state = document.querySelector('#state');
mixer.addEventListener('demucs-ready', (e) => (state.textContent = `ready on ${e.detail.backend}`));
mixer.addEventListener('demucs-error', (e) => (state.textContent = `${e.detail.code}: ${e.detail.message}`));
