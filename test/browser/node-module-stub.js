// Stands in for Node's "module" builtin, which Emscripten glue imports only on Node; browsers never call it.
export function createRequire() {
  throw new Error('createRequire is Node-only');
}
export default { createRequire };
