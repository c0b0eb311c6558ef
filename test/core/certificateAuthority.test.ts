import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CA_CERT_FILE, CA_KEY_FILE, CertificateAuthorityError, loadOrCreateCertificateAuthority } from '../../src/core/certificateAuthority';
import { runClient } from '../support/clients';

const freshDir = (): string => join(mkdtempSync(join(tmpdir(), 'pinscope-ca-test-')), 'ca');

describe('certificate authority', () => {
  it('is created on first use with an owner-only key and CA extensions openssl reads', async () => {
    const dir = freshDir();
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.equal(ca.created, true);
    assert.equal(statSync(join(dir, CA_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir).sort(), [CA_KEY_FILE, CA_CERT_FILE].sort(), 'no temporary files left behind');
    const text = await runClient('openssl', ['x509', '-noout', '-text', '-in', join(dir, CA_CERT_FILE)]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Subject: CN ?= ?Pinscope Inspection CA/);
    assert.match(text.stdout, /CA:TRUE, pathlen:0/);
    assert.match(text.stdout, /Certificate Sign, CRL Sign/);
    assert.match(text.stdout, /Subject Key Identifier/);
    assert.match(text.stdout, /sha256WithRSAEncryption/);
    const verify = await runClient('openssl', ['verify', '-CAfile', join(dir, CA_CERT_FILE), join(dir, CA_CERT_FILE)]);
    assert.equal(verify.code, 0, `self-signature verifies: ${verify.stdout}${verify.stderr}`);
  });

  it('is reused on later starts, and differs between installations', async () => {
    const dir = freshDir();
    const first = await loadOrCreateCertificateAuthority(dir);
    const again = await loadOrCreateCertificateAuthority(dir);
    assert.equal(again.created, false);
    assert.equal(again.fingerprint256, first.fingerprint256);
    const other = await loadOrCreateCertificateAuthority(freshDir());
    assert.notEqual(other.fingerprint256, first.fingerprint256);
    assert.notEqual(other.pin, first.pin);
  });

  it('reports a corrupt certificate instead of replacing it, without leaking the key', async () => {
    const dir = freshDir();
    await loadOrCreateCertificateAuthority(dir);
    const key = readFileSync(join(dir, CA_KEY_FILE), 'utf8');
    writeFileSync(join(dir, CA_CERT_FILE), '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n');
    await assert.rejects(loadOrCreateCertificateAuthority(dir), (error: unknown) => {
      assert.ok(error instanceof CertificateAuthorityError);
      assert.match(error.message, /cannot be read/);
      assert.ok(!error.message.includes(key.split('\n')[1] ?? 'x'), 'the key never appears in messages');
      return true;
    });
    assert.equal(readFileSync(join(dir, CA_KEY_FILE), 'utf8'), key, 'nothing was replaced');
  });

  it('reports a half-present CA (key missing)', async () => {
    const dir = freshDir();
    await loadOrCreateCertificateAuthority(dir);
    unlinkSync(join(dir, CA_KEY_FILE));
    await assert.rejects(loadOrCreateCertificateAuthority(dir), /incomplete: .*pinscope-ca-key\.pem is missing/);
  });

  it('reports a folder that cannot be created precisely', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pinscope-ca-test-')), 'a-file');
    writeFileSync(file, 'not a folder');
    await assert.rejects(loadOrCreateCertificateAuthority(join(file, 'ca')), (error: unknown) => error instanceof CertificateAuthorityError && /Cannot create the CA folder/.test(error.message));
  });
});
