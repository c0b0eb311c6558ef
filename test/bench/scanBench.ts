/**
 * `npm run bench` (scan part): generates a 50,000-file workspace in a temporary folder — app sources in
 * several languages, resources, a handful of pin configurations, an ignored dependency folder — and
 * measures how long `scanWorkspace` takes over it. Prints JSON lines like the proxy bench.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { scanWorkspace, walkWorkspace } from '../../src/core/pins/workspaceWalker';

const FILES = Number(process.env['BENCH_SCAN_FILES'] ?? '50000');
const REPS = Number(process.env['BENCH_REPS'] ?? '3');
const PER_FOLDER = 100;

/** Ordinary files, by extension, in the proportions of a mobile + backend monorepo. */
const KINDS: readonly [string, (i: number) => string][] = [
  ['.kt', (i) => `package com.example.f${i}\n\nclass Screen${i} {\n    fun render(): String = "screen ${i}"\n}\n`.repeat(8)],
  [
    '.java',
    (i) =>
      `package com.example;\n\npublic class Model${i} {\n    private final String name = "model${i}";\n    public String name() { return name; }\n}\n`.repeat(
        8,
      ),
  ],
  ['.swift', (i) => `import UIKit\n\nfinal class View${i}: UIView {\n    let title = "view ${i}"\n}\n`.repeat(8)],
  ['.ts', (i) => `export function handler${i}(input: string): string {\n  return input + '${i}';\n}\n`.repeat(10)],
  ['.js', (i) => `module.exports.route${i} = (req, res) => res.end('${i}');\n`.repeat(20)],
  ['.py', (i) => `def task_${i}(value):\n    return value * ${i}\n\n`.repeat(12)],
  ['.go', (i) => `package svc\n\nfunc Handle${i}(v int) int { return v + ${i} }\n`.repeat(10)],
  ['.xml', (i) => `<?xml version="1.0" encoding="utf-8"?>\n<resources>\n    <string name="label_${i}">Label ${i}</string>\n</resources>\n`],
  ['.json', (i) => `{"id": ${i}, "name": "fixture ${i}"}\n`],
  ['.png', () => '\x89PNG\r\n\x1a\n'],
  ['.md', (i) => `# Note ${i}\n\nSome text.\n`],
];

const PINNED = {
  'res/xml/network_security_config.xml':
    '<network-security-config>\n  <domain-config>\n    <domain includeSubdomains="true">api.example.com</domain>\n    <pin-set>\n      <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>\n    </pin-set>\n  </domain-config>\n</network-security-config>\n',
  'Pinning.kt':
    'val pinner = CertificatePinner.Builder().add("*.example.com", "sha256/7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=").build()\n',
};

function generate(root: string): void {
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n*.log\n');
  const ignored = Math.floor(FILES / 10);
  for (let i = 0; i < FILES; i++) {
    const inDependencies = i < ignored;
    const folder = join(
      root,
      inDependencies ? 'node_modules' : 'app',
      `m${Math.floor(i / (PER_FOLDER * 10))}`,
      `p${Math.floor(i / PER_FOLDER)}`,
    );
    if (i % PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    const kind = KINDS[i % KINDS.length];
    if (!kind) continue;
    writeFileSync(join(folder, `f${i}${kind[0]}`), kind[1](i));
  }
  for (let m = 0; m < 5; m++) {
    for (const [path, text] of Object.entries(PINNED)) {
      const file = join(root, 'app', `m${m}`, 'pins', path);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, text);
    }
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pinscope-scan-bench-'));
  try {
    const start = performance.now();
    generate(root);
    process.stderr.write(`generated ${FILES} files in ${((performance.now() - start) / 1000).toFixed(1)} s under ${root}\n`);
    const walkStart = performance.now();
    const walked = await walkWorkspace(root);
    const walkSeconds = (performance.now() - walkStart) / 1000;
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof scanWorkspace>> | undefined;
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = performance.now();
      last = await scanWorkspace(root);
      times.push((performance.now() - t0) / 1000);
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? NaN;
    const found = last?.configurations.length ?? 0;
    if (found !== 10) throw new Error(`expected the 10 planted pin configurations, found ${found}`);
    const line = (metric: string, value: number, unit: string): void => {
      process.stdout.write(
        `${JSON.stringify({ workload: 'S1 scan 50k-file workspace', mode: 'pinscope', metric, value: Number(value.toFixed(3)), unit })}\n`,
      );
    };
    line('workspace files', FILES + 11, 'files');
    line('files read', last?.filesScanned ?? 0, 'files');
    line('walk only (first run)', walkSeconds, 's');
    line('candidate files after ignores', walked.length, 'files');
    line('scan time (median)', median, 's');
    line('throughput', (FILES + 11) / median, 'files/s');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`scan bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
