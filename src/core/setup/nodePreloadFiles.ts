/** The files of the Node preload: the preload itself and undici, loaded from beside it on first fetch only. */
export const NODE_PRELOAD_FILE = 'pinscope-node-preload.js';
export const NODE_UNDICI_FILE = 'pinscope-node-undici.js';
