/** Export CA Certificate: save PEM or DER, then show how to trust it where app developers need it. */
import * as vscode from 'vscode';
import { loadOrCreateCertificateAuthority } from '../core/certificateAuthority';
import { trustInstructions } from '../core/trustInstructions';

/** Without arguments it asks; `target` and `der` (used by scripts and tests) skip the questions. */
export async function exportCaCertificate(caDir: string, log: vscode.LogOutputChannel, args: { target?: vscode.Uri; der?: boolean } = {}): Promise<vscode.Uri | undefined> {
  const ca = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pinscope: preparing the CA certificate' }, () => loadOrCreateCertificateAuthority(caDir));
  const format = args.der !== undefined ? { der: args.der } : await vscode.window.showQuickPick(
    [
      { label: 'PEM', description: 'pinscope-ca.pem — Node, Python, curl, OpenSSL, Linux, Android', der: false },
      { label: 'DER', description: 'pinscope-ca.cer — Windows, macOS Keychain, Java keytool', der: true },
    ],
    { title: 'Export the Pinscope CA certificate as' },
  );
  if (!format) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const defaultName = format.der ? 'pinscope-ca.cer' : 'pinscope-ca.pem';
  const target = args.target ?? await vscode.window.showSaveDialog({
    title: 'Save the Pinscope CA certificate',
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, defaultName) } : {}),
    filters: format.der ? { 'DER certificate': ['cer', 'der', 'crt'] } : { 'PEM certificate': ['pem', 'crt'] },
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, format.der ? ca.certDer : Buffer.from(ca.certPem));
  log.info(`Exported the CA certificate (SHA-256 ${ca.fingerprint256}) to ${target.fsPath}`);
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: trustInstructions({ certPath: target.fsPath, der: format.der, fingerprint256: ca.fingerprint256 }) });
  await vscode.window.showTextDocument(document, { preview: true });
  return target;
}
