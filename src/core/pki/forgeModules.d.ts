/** node-forge's modules by path (src/core/pki/forge.ts): the namespace they fill is node-forge's. */
declare module 'node-forge/lib/forge' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shape of a CommonJS module
  import forge = require('node-forge');
  export = forge;
}
declare module 'node-forge/lib/x509';
