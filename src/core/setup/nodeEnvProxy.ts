/**
 * Which Node versions route through HTTP(S)_PROXY by themselves when NODE_USE_ENV_PROXY=1: fetch from
 * 24.0, the `http`/`https` global agents from 24.5 and 22.21 (both backported to 22.21). Everything
 * older gets the Pinscope preload for what it lacks.
 */
export interface NativeEnvProxy {
  readonly fetch: boolean;
  readonly agents: boolean;
}

export function nativeEnvProxy(version: string): NativeEnvProxy {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return { fetch: false, agents: false };
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const agents = major >= 25 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
  return { fetch: agents || major === 24, agents };
}
