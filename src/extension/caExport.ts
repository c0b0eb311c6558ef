/** Export CA Certificate: save PEM or DER, then show how to trust it where app developers need it. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import {
  loadOrCreateCertificateAuthority,
  outdatedCaWarning,
  renewCertificateAuthority,
  type CertificateAuthority,
} from '../core/pki/certificateAuthority';
import { errorMessage } from '../core/errors';
import { trustInstructions } from '../core/setup/trustInstructions';

/** Without arguments it asks; `target` and `der` (used by scripts and tests) skip the questions. */
export async function exportCaCertificate(
  caDir: string,
  log: vscode.LogOutputChannel,
  args: { target?: vscode.Uri; der?: boolean } = {},
): Promise<vscode.Uri | undefined> {
  const ca = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pinscope: preparing the CA certificate') },
    () => loadOrCreateCertificateAuthority(caDir),
  );
  const format =
    args.der !== undefined
      ? { der: args.der }
      : await vscode.window.showQuickPick(
          [
            {
              label: 'PEM',
              description: vscode.l10n.t('{0} — Node, Python, curl, OpenSSL, Linux, Android', 'pinscope-ca.pem'),
              der: false,
            },
            { label: 'DER', description: vscode.l10n.t('{0} — Windows, macOS Keychain, Java keytool', 'pinscope-ca.cer'), der: true },
          ],
          { title: vscode.l10n.t('Export the Pinscope CA certificate as') },
        );
  if (!format) return undefined;
  const defaultName = format.der ? 'pinscope-ca.cer' : 'pinscope-ca.pem';
  const target =
    args.target ??
    (await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save the Pinscope CA certificate'),
      // Never into the workspace by default: a CA certificate there is easy to commit by mistake.
      defaultUri: vscode.Uri.joinPath(outsideWorkspaceFolder(), defaultName),
      filters: format.der
        ? { [vscode.l10n.t('DER certificate')]: ['cer', 'der', 'crt'] }
        : { [vscode.l10n.t('PEM certificate')]: ['pem', 'crt'] },
    }));
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, format.der ? ca.certDer : Buffer.from(ca.certPem));
  log.info(`Exported the CA certificate (SHA-256 ${ca.fingerprint256}) to ${target.fsPath}`);
  await showInstructions(caDir, trustInstructions({ certPath: target.fsPath, der: format.der, fingerprint256: ca.fingerprint256 }));
  return target;
}

/** ~/Downloads when it exists, else the home folder. */
function outsideWorkspaceFolder(): vscode.Uri {
  const downloads = join(homedir(), 'Downloads');
  return vscode.Uri.file(existsSync(downloads) ? downloads : homedir());
}

/** The instructions as a rendered Markdown preview (of a file next to the CA, rewritten each time), not a dirty untitled source. */
async function showInstructions(caDir: string, markdown: string): Promise<void> {
  // Beside the CA folder, not in it: the CA folder holds only what the CA needs.
  const file = vscode.Uri.file(join(dirname(caDir), 'trust-instructions.md'));
  await vscode.workspace.fs.writeFile(file, Buffer.from(markdown));
  try {
    await vscode.commands.executeCommand('markdown.showPreview', file);
  } catch {
    await vscode.window.showTextDocument(file, { preview: true });
  }
}

/**
 * Says what is wrong with the loaded CA, once per start: repairs made to its folder (logged and shown),
 * and a CA that strict clients refuse, with one action to replace it. Never replaces it unasked.
 */
export function reviewCertificateAuthority(ca: CertificateAuthority, log: vscode.LogOutputChannel, restart: () => Promise<unknown>): void {
  for (const notice of ca.notices) {
    log.warn(notice);
    void vscode.window.showWarningMessage(vscode.l10n.t('Pinscope: {0}', notice));
  }
  const outdated = outdatedCaWarning(ca);
  if (!outdated) return;
  log.warn(outdated);
  const createNew = vscode.l10n.t('Create New CA');
  void vscode.window.showWarningMessage(vscode.l10n.t('Pinscope: {0}', outdated), createNew).then(async (choice) => {
    if (choice !== createNew) return;
    try {
      const { ca: renewed, backup } = await renewCertificateAuthority(ca.directory);
      log.info(
        `Created a new Pinscope CA in ${renewed.directory} (SHA-256 ${renewed.fingerprint256}); the old one is in ${backup ?? '(nothing to back up)'}`,
      );
      await restart();
      const action = await vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Pinscope: a new CA was created and the proxy restarted with it. Trust the new certificate wherever you trusted the old one.',
        ),
        vscode.l10n.t('Export CA Certificate'),
      );
      if (action) await vscode.commands.executeCommand('pinscope.exportCaCertificate');
    } catch (error) {
      log.error(`Cannot create a new CA: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Pinscope cannot create a new CA: {0}', errorMessage(error)));
    }
  });
}
