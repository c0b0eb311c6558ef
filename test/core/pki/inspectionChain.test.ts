/** Inspection profiles' chains: the intermediate made once per installation, owner-only, conforming; the organisation's own; refusals. */
import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadOrCreateCertificateAuthority, type CertificateAuthority } from '../../../src/core/pki/certificateAuthority';
import { profileProblems } from '../../../src/core/pki/certificateProfile';
import { ForgedCertificates } from '../../../src/core/pki/forgedCertificates';
import { InspectionChainError, loadInspectionChain } from '../../../src/core/pki/inspectionChain';
import { INSPECTION_PROFILES, inspectionProfile } from '../../../src/core/pki/inspectionProfiles';
import { makeOwnIntermediate } from '../../compat/ownIntermediate';
import { writeOutdatedCa } from '../../support/outdatedCa';

describe('inspection chains', () => {
  let dir: string;
  let ca: CertificateAuthority;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinscope-chain-test-'));
    ca = await loadOrCreateCertificateAuthority(join(dir, 'ca'));
  });

  it("every profile's leaf and intermediate pass the certificate profile checks, and the leaf verifies up to the root", async () => {
    const own = await makeOwnIntermediate(join(dir, 'own'));
    for (const profile of INSPECTION_PROFILES) {
      const chain = await loadInspectionChain(
        ca,
        profile,
        profile.chain === 'own-intermediate' ? { certFile: own.intermediateFile, keyFile: own.keyFile } : undefined,
      );
      const forged = await ForgedCertificates.create(chain.issuer, 10, {
        chainPem: chain.chainPem,
        lifetimeDays: profile.leafValidityDays,
        tlsVersions: profile.tlsVersions,
      });
      const leaf = new X509Certificate(forged.certificateFor('api.example.test').certPem);
      assert.deepEqual(profileProblems(leaf.raw, 'leaf'), [], profile.id);
      assert.equal(forged.chainLength, profile.chain === 'root' ? 1 : 2, profile.id);
      if (profile.chain === 'root') {
        assert.ok(leaf.verify(new X509Certificate(ca.certDer).publicKey));
        continue;
      }
      const intermediate = new X509Certificate(chain.chainPem);
      assert.deepEqual(profileProblems(intermediate.raw, 'ca'), [], profile.id);
      assert.ok(leaf.verify(intermediate.publicKey), profile.id);
      assert.ok(
        intermediate.verify(new X509Certificate(readFileSync(profile.chain === 'own-intermediate' ? own.rootFile : ca.certPath)).publicKey),
        profile.id,
      );
    }
  });

  it("makes a vendor profile's intermediate once, owner-only, and reuses it (zscaler and zscaler-http1 share one)", async () => {
    const first = await loadInspectionChain(ca, inspectionProfile('zscaler'));
    const again = await loadInspectionChain(ca, inspectionProfile('zscaler-http1'));
    assert.equal(first.chainPem, again.chainPem);
    assert.ok(first.intermediatePath);
    assert.equal(statSync(first.intermediatePath).mode & 0o777, 0o600);
    assert.match(new X509Certificate(first.chainPem).subject, /Zscaler-style/);
  });

  it("remakes an intermediate that is not the root's (a damaged or foreign file)", async () => {
    const other = await loadOrCreateCertificateAuthority(join(dir, 'other'));
    const foreign = await loadInspectionChain(other, inspectionProfile('paloalto'));
    assert.ok(foreign.intermediatePath);
    const ours = await loadInspectionChain(ca, inspectionProfile('paloalto'));
    assert.ok(ours.intermediatePath);
    writeFileSync(ours.intermediatePath, foreign.chainPem, { mode: 0o600 });
    const remade = await loadInspectionChain(ca, inspectionProfile('paloalto'));
    assert.ok(new X509Certificate(remade.chainPem).verify(new X509Certificate(ca.certDer).publicKey));
  });

  it('refuses an intermediate profile under a root that forbids intermediates, and a bad --intermediate-ca, saying why', async () => {
    const outdatedDir = join(dir, 'outdated');
    writeOutdatedCa(outdatedDir);
    const outdated = await loadOrCreateCertificateAuthority(outdatedDir);
    await assert.rejects(
      loadInspectionChain(outdated, inspectionProfile('zscaler')),
      (error: Error) =>
        error instanceof InspectionChainError && /pathLenConstraint 0/.test(error.message) && /pinscope ca --renew/.test(error.message),
    );
    await assert.rejects(loadInspectionChain(ca, inspectionProfile('own-intermediate')), /--intermediate-ca CERT,KEY/);
    const own = await makeOwnIntermediate(join(dir, 'own2'));
    await assert.rejects(
      loadInspectionChain(ca, inspectionProfile('own-intermediate'), {
        certFile: own.intermediateFile,
        keyFile: join(dir, 'ca', 'pinscope-ca-key.pem'),
      }),
      (error: Error) => /does not belong/.test(error.message) && !/PRIVATE KEY/.test(error.message),
    );
    await assert.rejects(
      loadInspectionChain(ca, inspectionProfile('own-intermediate'), {
        certFile: own.rootFile.replace('root', 'missing'),
        keyFile: own.keyFile,
      }),
      /ENOENT/,
    );
  });
});
