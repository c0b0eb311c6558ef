/** The routed environment for a running proxy: its files written, then the variables that point at them. */
import { join } from 'node:path';
import { proxyEnvironment } from './proxyEnvironment';
import { NODE_PRELOAD_FILE } from './nodePreloadFiles';
import { writeRoutingFiles } from './routingFiles';

export interface RoutedProxy {
  readonly url: string;
  readonly ca: { readonly certPath: string };
  readonly trustBundlePath: string;
  /** Set as PINSCOPE_SESSION (random per proxy start), so attribution knows the programs Pinscope started. */
  readonly sessionId?: string;
}

/**
 * `bundleDirectory` is where the bundles live (dist/, next to cli.js and extension.js), holding the
 * preload; `inherited` is the environment the result is merged into (its NODE_OPTIONS, JAVA_TOOL_OPTIONS
 * and PHP_INI_SCAN_DIR are extended, not replaced).
 */
export function routedEnvironment(proxy: RoutedProxy, bundleDirectory: string, inherited: NodeJS.ProcessEnv = {}): Record<string, string> {
  const files = writeRoutingFiles({
    caCertPath: proxy.ca.certPath,
    trustBundlePath: proxy.trustBundlePath,
    bundledPreloadPath: join(bundleDirectory, NODE_PRELOAD_FILE),
  });
  return proxyEnvironment({
    proxyUrl: proxy.url,
    files,
    sessionId: proxy.sessionId,
    inherited: {
      JAVA_TOOL_OPTIONS: inherited['JAVA_TOOL_OPTIONS'],
      NODE_OPTIONS: inherited['NODE_OPTIONS'],
      PHP_INI_SCAN_DIR: inherited['PHP_INI_SCAN_DIR'],
    },
  });
}
