/**
 * The files a routed environment points at, written next to the CA (public data only, no key): the
 * Java trust store, the Node preload, a wgetrc and a PHP ini directory. Written only when their content
 * changed, so every terminal or debug session may ask for them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JAVA_TRUST_STORE_FILE, javaTrustStore, pemCertificates } from './javaTrustStore';
import { NODE_PRELOAD_FILE, NODE_UNDICI_FILE } from './nodePreloadFiles';

export interface RoutingFiles {
  /** The Pinscope CA alone. */
  readonly caCertPath: string;
  /** Public roots + upstream CAs + Pinscope CA (PEM). */
  readonly trustBundlePath: string;
  readonly javaTrustStorePath: string;
  readonly nodePreloadPath: string;
  readonly wgetrcPath: string;
  /** A directory holding only Pinscope's PHP ini (PHP scans every *.ini in it). */
  readonly phpIniDirectory: string;
}

export interface RoutingSources {
  readonly caCertPath: string;
  readonly trustBundlePath: string;
  /** The bundled preload (dist/pinscope-node-preload.js), copied with undici beside it so a copied environment survives updates. */
  readonly bundledPreloadPath: string;
}

export function writeRoutingFiles({ caCertPath, trustBundlePath, bundledPreloadPath }: RoutingSources): RoutingFiles {
  const directory = dirname(caCertPath);
  const files: RoutingFiles = {
    caCertPath,
    trustBundlePath,
    javaTrustStorePath: join(directory, JAVA_TRUST_STORE_FILE),
    nodePreloadPath: join(directory, NODE_PRELOAD_FILE),
    wgetrcPath: join(directory, 'pinscope-wgetrc'),
    phpIniDirectory: join(directory, 'pinscope-php'),
  };
  const bundle = readFileSync(trustBundlePath, 'utf8');
  const store = javaTrustStore(pemCertificates(bundle), new Date(0));
  writeIfChanged(files.javaTrustStorePath, store);
  writeIfChanged(files.nodePreloadPath, readFileSync(bundledPreloadPath));
  writeIfChanged(join(directory, NODE_UNDICI_FILE), readFileSync(join(dirname(bundledPreloadPath), NODE_UNDICI_FILE)));
  writeIfChanged(
    files.wgetrcPath,
    Buffer.from(`# Written by Pinscope: trust its CA (wget reads no CA variable).\nca_certificate = ${trustBundlePath}\nuse_proxy = on\n`),
  );
  mkdirSync(files.phpIniDirectory, { recursive: true, mode: 0o755 });
  const prepend = join(files.phpIniDirectory, 'pinscope-prepend.php');
  writeIfChanged(prepend, Buffer.from(PHP_PREPEND));
  writeIfChanged(
    join(files.phpIniDirectory, 'pinscope.ini'),
    Buffer.from(
      `; Written by Pinscope: PHP streams ignore https_proxy and read their CA from here.\nopenssl.cafile = "${trustBundlePath}"\nauto_prepend_file = "${prepend}"\n`,
    ),
  );
  return files;
}

/** PHP streams (file_get_contents, fopen) take their proxy from the default stream context only. */
const PHP_PREPEND = `<?php
// Written by Pinscope: route PHP streams through the proxy while PINSCOPE_PROXY is set.
(static function (): void {
    $proxy = getenv('PINSCOPE_PROXY');
    if (!is_string($proxy) || $proxy === '') return;
    $parts = parse_url($proxy);
    if (!is_array($parts) || !isset($parts['host'], $parts['port'])) return;
    stream_context_set_default(['http' => ['proxy' => 'tcp://' . $parts['host'] . ':' . $parts['port']]]);
})();
`;

function writeIfChanged(path: string, content: Buffer): void {
  let current: Buffer | undefined;
  try {
    current = readFileSync(path);
  } catch {
    current = undefined;
  }
  if (current?.equals(content)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o644 });
  renameSync(temporary, path);
}
