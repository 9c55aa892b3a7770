// Stands in for Node's "module", "worker_threads" and "node:fs/promises" builtins, which Emscripten glue (PFFFT's,
// ONNX Runtime's) and mediabunny import only on Node; browsers never call them.
export function createRequire() {
  throw new Error('createRequire is Node-only');
}
export const workerData = undefined;
export const Worker = undefined;
export default { createRequire, workerData, Worker };
