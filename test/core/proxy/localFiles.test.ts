/**
 * The local files the proxy writes (issues 23, 28): the key log and the trust bundle are its own, and a
 * CA folder it cannot write to still serves.
 */
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { Session } from '../../../src/core/session';
import { startHarness } from '../../support/harness';
import { mkdirSync, rmSync } from 'node:fs';
import { temporaryDirectory } from '../../support/temporaryDirectories';
import { portAccepts } from '../../support/clients';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'pinscope-hardening2-'));

describe('local files', () => {
  it('refuses a key log that is a symbolic link, and writes a new one owner-only', async () => {
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n', { mode: 0o644 });
    const link = join(dir, 'k.log');
    symlinkSync(victim, link);
    await assert.rejects(new Session().start({ caDir: join(dir, 'ca'), keylogFile: link }), /key log .*symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(statSync(victim).mode & 0o777, 0o644);
    const fresh = join(dir, 'fresh.log');
    const loose = join(dir, 'loose.log');
    writeFileSync(loose, '', { mode: 0o644 });
    for (const file of [fresh, loose]) {
      const session = new Session();
      await session.start({ caDir: join(dir, 'ca'), keylogFile: file });
      await session.stop();
      assert.ok(existsSync(file) && !lstatSync(file).isSymbolicLink());
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    await assert.rejects(new Session().start({ caDir: join(dir, 'ca'), keylogFile: join(dir, 'missing', 'k.log') }), /key log .*ENOENT/);
  });

  it('takes only certificates from --upstream-ca files: a private key never reaches the trust bundle', async () => {
    const dir = tempDir();
    const origin = await startHarness();
    try {
      const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const mixed = join(dir, 'mixed.pem');
      writeFileSync(mixed, `${key}${origin.origin.caPem}`);
      const session = new Session();
      const proxy = await session.start({ caDir: join(dir, 'ca'), upstreamCaFiles: [mixed] });
      const bundle = readFileSync(proxy.trustBundlePath, 'utf8');
      await session.stop();
      assert.doesNotMatch(bundle, /PRIVATE KEY/);
      assert.ok(bundle.includes(origin.origin.caPem.trim().split('\n')[1] ?? 'x'), 'the certificate is still trusted');
      const keyOnly = join(dir, 'key.pem');
      writeFileSync(keyOnly, key);
      await assert.rejects(new Session().start({ caDir: join(dir, 'ca'), upstreamCaFiles: [keyOnly] }), /no certificate/);
    } finally {
      await origin.close();
    }
  });
});

describe('a CA folder the proxy cannot write to', () => {
  it('starts when the trust bundle cannot be written beside the CA', async () => {
    const caDir = join(temporaryDirectory('readonly-ca'), 'ca');
    const first = new Session();
    await first.start({ caDir });
    await first.stop();
    // A folder where the bundle goes: no write there succeeds, even as root (for whom modes do not count).
    const blocked = join(caDir, 'pinscope-trust-bundle.pem');
    rmSync(blocked, { force: true });
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    const errors: string[] = [];
    const session = new Session({ onError: (message) => errors.push(message) });
    const proxy = await session.start({ caDir });
    try {
      assert.ok(!proxy.trustBundlePath.startsWith(caDir), proxy.trustBundlePath);
      assert.match(errors.join('\n'), /trust bundle cannot be written beside the CA/);
      assert.ok(await portAccepts(proxy.port));
    } finally {
      await session.stop();
    }
  });
});
