/**
 * undici's proxy agent, bundled apart from the Node preload (dist/pinscope-node-undici.js): Node 20's
 * bundled undici has no proxy agent, and parsing this bundle at every start would slow every routed
 * Node program, so the preload loads it on the program's first fetch only.
 */
export { EnvHttpProxyAgent } from 'undici';
