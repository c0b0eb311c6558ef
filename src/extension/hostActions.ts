/**
 * Tunnel host, Intercept host, Confirm by tunnelling: each says what it did (a notification and the
 * inspector's host mode), offers only what applies, and offers to keep a choice in pinscope.tunnelHosts
 * so that it survives the session.
 */
import * as vscode from 'vscode';
import { hostFromUserInput, type HostName } from '../core/hostNames';
import { matchesHostPattern } from '../core/proxy/protocol/hostPatterns';
import type { PinscopeContext } from './pinscopeContext';
import { SECTION } from './settings';

export type SettingsScope = 'workspace' | 'user';

/** The host from a command argument or an input box (titled `title`); undefined when cancelled or refused (with a message). */
export async function askHost(argument: unknown, title: string): Promise<HostName | undefined> {
  if (typeof argument === 'string' && argument.trim()) {
    const parsed = hostFromUserInput(argument);
    if ('host' in parsed) return parsed.host;
    void vscode.window.showErrorMessage(vscode.l10n.t('{0}: {1}', title, parsed.error));
    return undefined;
  }
  const value = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Host name or URL, e.g. api.example.com or https://api.example.com/path (the scheme, port and path are dropped)'),
    validateInput: (text) => {
      const parsed = hostFromUserInput(text);
      return 'error' in parsed ? parsed.error : undefined;
    },
  });
  if (value === undefined) return undefined;
  const parsed = hostFromUserInput(value);
  return 'host' in parsed ? parsed.host : undefined;
}

function tunnelPatterns(context: PinscopeContext): readonly string[] {
  try {
    return context.settings.tunnelHosts;
  } catch {
    return [];
  }
}

/** Tunnels (or intercepts) the host from its next connection, for this session; says so and offers to save it. */
export async function chooseHostMode(context: PinscopeContext, host: HostName, mode: 'tunnel' | 'intercept'): Promise<void> {
  // A choice is made for the running proxy: started first if it is not running.
  if (!(await context.controller.start())) return;
  const session = context.controller.session;
  const current = session.hostChoices.get(host);
  if (current === mode) {
    void vscode.window.showInformationMessage(
      mode === 'tunnel'
        ? vscode.l10n.t('Pinscope: {0} is already tunnelled in this session.', host)
        : vscode.l10n.t('Pinscope: {0} is already intercepted in this session.', host),
    );
    return;
  }
  session.chooseMode(host, mode);
  if (mode === 'intercept') session.forgetConfirmation(host);
  const done =
    mode === 'tunnel'
      ? vscode.l10n.t('{0} is tunnelled untouched from its next connection (not inspected).', host)
      : vscode.l10n.t('{0} is intercepted from its next connection.', host);
  context.log.info(`${host}: ${mode === 'tunnel' ? 'tunnelled untouched' : 'intercepted'} from its next connection`);
  context.controller.onDidChange.emit();
  const inSetting = tunnelPatterns(context).some((p) => matchesHostPattern(p, host));
  // Offer only what would change the setting: add a tunnelled host, remove an intercepted one listed there.
  const offer = mode === 'tunnel' ? !inSetting : inSetting;
  if (!offer) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Pinscope: {0}', done));
    return;
  }
  const what =
    mode === 'tunnel'
      ? vscode.l10n.t('Save it to pinscope.tunnelHosts to keep it after this session?')
      : vscode.l10n.t('It is listed in pinscope.tunnelHosts: remove it there to keep this after the session?');
  const saveUser = vscode.l10n.t('Save to User Settings');
  void vscode.window
    .showInformationMessage(vscode.l10n.t('Pinscope: {0} {1}', done, what), vscode.l10n.t('Save to Workspace Settings'), saveUser)
    .then(async (choice) => {
      if (choice) await saveHostMode(context, host, mode, choice === saveUser ? 'user' : 'workspace');
    });
}

/** Adds the host to pinscope.tunnelHosts (tunnel) or removes it there (intercept), in workspace or user settings. */
export async function saveHostMode(
  context: PinscopeContext,
  host: string,
  mode: 'tunnel' | 'intercept',
  scope: SettingsScope,
): Promise<readonly string[]> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const target =
    scope === 'workspace' && vscode.workspace.workspaceFolders?.length
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  const inspected = config.inspect<string[]>('tunnelHosts');
  const current = (target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.globalValue) ?? [];
  const next =
    mode === 'tunnel'
      ? [...current.filter((p) => p !== host), host]
      : current.filter((p) => !matchesHostPattern(p, host) || p.includes('*') || p.startsWith('.'));
  await config.update('tunnelHosts', next, target);
  const where = target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user';
  context.log.info(`pinscope.tunnelHosts (${where} settings): ${mode === 'tunnel' ? `added ${host}` : `removed ${host}`}`);
  if (mode === 'intercept' && next.some((p) => matchesHostPattern(p, host))) {
    void vscode.window.showWarningMessage(
      where === 'workspace'
        ? vscode.l10n.t(
            'Pinscope: {0} still matches a pattern in pinscope.tunnelHosts (workspace settings): edit the pattern to intercept it after this session.',
            host,
          )
        : vscode.l10n.t(
            'Pinscope: {0} still matches a pattern in pinscope.tunnelHosts (user settings): edit the pattern to intercept it after this session.',
            host,
          ),
    );
  } else {
    const message =
      mode === 'tunnel'
        ? where === 'workspace'
          ? vscode.l10n.t('Pinscope: added {0} in pinscope.tunnelHosts (workspace settings)', host)
          : vscode.l10n.t('Pinscope: added {0} in pinscope.tunnelHosts (user settings)', host)
        : where === 'workspace'
          ? vscode.l10n.t('Pinscope: removed {0} in pinscope.tunnelHosts (workspace settings)', host)
          : vscode.l10n.t('Pinscope: removed {0} in pinscope.tunnelHosts (user settings)', host);
    void vscode.window.setStatusBarMessage(message, 4000);
  }
  return next;
}

/** Tunnels the host's next connection to confirm that it breaks only under inspection; says so. */
export async function confirmHost(context: PinscopeContext, host: HostName): Promise<void> {
  if (!(await context.controller.start())) return;
  context.controller.session.confirm(host);
  context.log.info(`${host}: its next connection is tunnelled untouched to confirm whether it breaks only under inspection`);
  context.controller.onDidChange.emit();
  reportConfirmation(context, host);
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Pinscope: the next connection to {0} is tunnelled untouched. Run the app again: if it then works, {0} breaks only under inspection (confirmed).',
      host,
    ),
  );
}

/** When the host's tunnelled connection is judged, says how the confirmation ended (once; the entry expires in 15 minutes). */
function reportConfirmation(context: PinscopeContext, host: HostName): void {
  const subscription = context.controller.onJudged.subscribe(({ record }) => {
    if (record.mode !== 'tunnel') return;
    const entry = context.controller.session.confirmations().find((e) => e.host === host);
    if (!entry || entry.state === 'pending' || entry.state === 'counting') return;
    subscription.dispose();
    clearTimeout(expiry);
    if (entry.state === 'confirmed') {
      context.log.info(`${host}: confirmed — it works tunnelled untouched, so it breaks only under inspection`);
      const message = vscode.l10n.t(
        'Pinscope: confirmed — {0} works when tunnelled untouched, so it breaks only under inspection. It can go in an exemption request.',
        host,
      );
      context.controller.onConfirmationSettled.emit({ host, confirmed: true, message });
      void vscode.window.showInformationMessage(message, vscode.l10n.t('Export Exemption Request…')).then((choice) => {
        if (choice) void vscode.commands.executeCommand('pinscope.exportExemptionRequest', [host]);
      });
    } else {
      context.log.warn(`${host}: not confirmed — it also fails when tunnelled untouched`);
      const message = vscode.l10n.t(
        'Pinscope: not confirmed — {0} also fails when tunnelled untouched, so inspection is not (only) why it breaks.',
        host,
      );
      context.controller.onConfirmationSettled.emit({ host, confirmed: false, message });
      void vscode.window.showWarningMessage(message);
    }
  });
  const expiry = setTimeout(() => subscription.dispose(), 15 * 60_000);
}
