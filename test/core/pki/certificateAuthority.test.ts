import * as assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
  unlinkSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CA_CERT_FILE,
  CA_KEY_FILE,
  CertificateAuthorityError,
  caName,
  loadOrCreateCertificateAuthority,
  outdatedCaWarning,
  renewCertificateAuthority,
} from '../../../src/core/pki/certificateAuthority';
import { ForgedCertificates } from '../../../src/core/pki/forgedCertificates';
import { profileProblems } from '../../../src/core/pki/certificateProfile';
import { randomSerial } from '../../../src/core/pki/x509';
import { runClient } from '../../support/clients';
import { writeOutdatedCa } from '../../support/outdatedCa';

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const isRoot = process.getuid?.() === 0;

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
    assert.match(text.stdout, /CA:TRUE, pathlen:1/);
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
    await assert.rejects(
      loadOrCreateCertificateAuthority(join(file, 'ca')),
      (error: unknown) => error instanceof CertificateAuthorityError && /Cannot create the CA folder/.test(error.message),
    );
  });

  it('names itself in UTF8String, and passes openssl verify -x509_strict with its leaves', async () => {
    const dir = freshDir();
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.deepEqual(ca.problems, []);
    const parsed = await runClient('openssl', ['asn1parse', '-in', join(dir, CA_CERT_FILE)]);
    assert.doesNotMatch(parsed.stdout, /PRINTABLESTRING/);
    assert.match(parsed.stdout, /UTF8STRING {8}:Pinscope Inspection CA/);
    const forged = await ForgedCertificates.create(ca);
    const leaves = ['app.example.test', '10.1.2.3', `${'a'.repeat(60)}.example.test`].map((host) => forged.certificateFor(host).certPem);
    forged.dispose();
    for (const [i, pem] of leaves.entries()) {
      assert.deepEqual(profileProblems(pemToDer(pem), 'leaf'), [], pem);
      writeFileSync(join(dir, `leaf${i}.pem`), pem);
    }
    const verify = await runClient('openssl', [
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-CAfile',
      join(dir, CA_CERT_FILE),
      join(dir, CA_CERT_FILE),
      ...leaves.map((_, i) => join(dir, `leaf${i}.pem`)),
    ]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const longHost = await runClient('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'leaf2.pem')]);
    assert.doesNotMatch(
      longHost.stdout,
      /CN ?=/,
      'a host longer than 64 characters is named by its subjectAltName only, never a truncated CN',
    );
  });

  it('keeps any user or host name valid: control characters dropped, 64 characters at most, never half a character', () => {
    const [cn] = caName('j\u00fcrgen\u0007', '\u{1F600}'.repeat(40));
    const value = String(cn?.value);
    assert.equal(Array.from(value).length, 64);
    assert.ok(!value.includes('\u0007'));
    assert.equal(Buffer.from(value, 'utf8').toString('utf8'), value, 'no lone surrogate');
  });

  it('draws serial numbers that are positive and minimally encoded (first octet 0x01-0x7f)', () => {
    for (let i = 0; i < 5000; i++) {
      const first = parseInt(randomSerial().slice(0, 2), 16);
      assert.ok(first >= 1 && first <= 0x7f, `first octet ${first}`);
    }
  });

  it('recognises a CA made by the previous version, keeps using it, and replaces it only when asked, with a dated backup', async () => {
    const dir = freshDir();
    const old = writeOutdatedCa(dir);
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.equal(ca.created, false);
    assert.match(ca.problems.join('\n'), /PrintableString holds characters outside its set \("@"\)/);
    assert.match(ca.problems.join('\n'), /\(";"\)/);
    assert.match(outdatedCaWarning(ca) ?? '', /older Pinscope .*Go programs .*Chromium/);
    assert.equal(readFileSync(join(dir, CA_CERT_FILE), 'utf8'), old.certPem, 'loading never replaces it');
    const forged = await ForgedCertificates.create(ca);
    const leaf = forged.certificateFor('still.example.test');
    forged.dispose();
    writeFileSync(join(dir, '..', 'leaf.pem'), leaf.certPem);
    assert.equal(
      (await runClient('openssl', ['verify', '-CAfile', join(dir, CA_CERT_FILE), join(dir, '..', 'leaf.pem')])).code,
      0,
      'leaves still chain to the old CA',
    );

    const { ca: renewed, backup } = await renewCertificateAuthority(dir, new Date('2026-01-02T03:04:05.678Z'));
    assert.equal(backup, join(dir, 'backup-2026-01-02T03-04-05-678Z'));
    assert.equal(readFileSync(join(backup, CA_CERT_FILE), 'utf8'), old.certPem);
    assert.equal(readFileSync(join(backup, CA_KEY_FILE), 'utf8'), old.keyPem);
    assert.equal(statSync(join(backup, CA_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(backup).mode & 0o777, 0o700);
    assert.equal(renewed.created, true);
    assert.deepEqual(renewed.problems, []);
    assert.equal(outdatedCaWarning(renewed), undefined);
    assert.equal((await loadOrCreateCertificateAuthority(dir)).fingerprint256, renewed.fingerprint256);
  });
});

describe('certificate authority folder safety', () => {
  it('makes a folder that others can write owner-only, and says so', async () => {
    const dir = freshDir();
    await loadOrCreateCertificateAuthority(dir);
    chmodSync(dir, 0o777);
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(ca.notices.join('\n'), /was writable by other users \(mode 0777\); Pinscope made it owner-only \(0700\)/);
  });

  it('checks an existing empty folder before creating a CA in it', async () => {
    const dir = freshDir();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.equal(ca.created, true);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(ca.notices.join('\n'), /readable by other users \(mode 0755\)/);
  });

  it('makes a key that others can read owner-only, and tells the user it may have been copied', async () => {
    const dir = freshDir();
    await loadOrCreateCertificateAuthority(dir);
    chmodSync(join(dir, CA_KEY_FILE), 0o644);
    const ca = await loadOrCreateCertificateAuthority(dir);
    assert.equal(statSync(join(dir, CA_KEY_FILE)).mode & 0o777, 0o600);
    assert.match(ca.notices.join('\n'), /CA key .* was readable by other users \(mode 0644\).*pinscope ca --renew/);
    const again = await loadOrCreateCertificateAuthority(dir);
    assert.deepEqual(again.notices, [], 'a safe folder loads without a word');
  });

  it('refuses a key or certificate that is a symbolic link', async () => {
    const dir = freshDir();
    await loadOrCreateCertificateAuthority(dir);
    const elsewhere = join(dir, '..', 'elsewhere.pem');
    renameSync(join(dir, CA_KEY_FILE), elsewhere);
    symlinkSync(elsewhere, join(dir, CA_KEY_FILE));
    await assert.rejects(
      loadOrCreateCertificateAuthority(dir),
      (error: unknown) => error instanceof CertificateAuthorityError && /CA key .* is a symbolic link/.test(error.message),
    );
    unlinkSync(join(dir, CA_KEY_FILE));
    symlinkSync(join(dir, 'nowhere.pem'), join(dir, CA_KEY_FILE));
    await assert.rejects(
      loadOrCreateCertificateAuthority(dir),
      /is a symbolic link/,
      'a dangling link is not "missing": no new CA is made beside it',
    );
  });

  it(
    'refuses a certificate and key planted by another user',
    { skip: !isRoot && 'needs root to give a file to another user' },
    async () => {
      const dir = freshDir();
      await loadOrCreateCertificateAuthority(dir);
      chownSync(join(dir, CA_CERT_FILE), 65534, 65534);
      await assert.rejects(
        loadOrCreateCertificateAuthority(dir),
        (error: unknown) =>
          error instanceof CertificateAuthorityError &&
          /CA certificate .* belongs to user id 65534, not to you \(0\).*refuses to load it/.test(error.message),
      );
      chownSync(join(dir, CA_CERT_FILE), 0, 0);
      chownSync(dir, 65534, 65534);
      await assert.rejects(loadOrCreateCertificateAuthority(dir), /The CA folder .* belongs to user id 65534/);
      assert.ok(existsSync(join(dir, CA_KEY_FILE)), 'nothing removed');
    },
  );
});
