/** Typed access to the `pinscope.*` settings, validated: a broken value is reported with its setting's name. */
import { isIP } from 'node:net';
import * as vscode from 'vscode';
import { HostPatternError, parseHostOverride, parseHostPattern } from '../core/proxy/protocol/hostPatterns';
import { parseUpstreamProxy } from '../core/proxy/upstreamProxy';
import { InspectionProfileError, inspectionProfile, parseIntermediateCa } from '../core/pki/inspectionProfiles';
import { ClientCertificateError, parseClientCertificate, type ClientCertificateOption } from '../core/proxy/clientCertificates';
import { DEFAULT_CAPTURE_BYTES, DEFAULT_MAX_CONNECTIONS_KEPT } from '../shared/vocabulary';
import { MAX_CAPTURE_BYTES } from '../core/proxy/legCapture';

export const SECTION = 'pinscope';

export class SettingError extends Error {
  override name = 'SettingError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(vscode.l10n.t('Setting pinscope.{0}: {1}', setting, message));
  }
}

/** Settings that only take effect when the proxy (re)starts. */
export const RESTART_SETTINGS = [
  'port',
  'listenAddress',
  'upstreamCaFiles',
  'upstreamProxy',
  'keyLogFile',
  'captureBytes',
  'hostOverrides',
  'attributeProcesses',
  'clientCertificates',
  'inspectionProfile',
  'intermediateCa',
] as const;

export class Settings {
  private get config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private get<T>(key: string, fallback: T): T {
    return this.config.get<T>(key, fallback);
  }

  get port(): number {
    const port: number = this.get<number>('port', 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new SettingError('port', vscode.l10n.t('{0} is not a port (0 = any free port, up to 65535)', String(port)));
    return port;
  }

  get listenAddress(): string {
    const address = this.get('listenAddress', '127.0.0.1').trim() || '127.0.0.1';
    if (address !== 'localhost' && isIP(address) === 0)
      throw new SettingError(
        'listenAddress',
        vscode.l10n.t(
          '"{0}" is not an IP address of this machine: use 127.0.0.1 (the default), ::1, localhost, or 0.0.0.0 to expose the proxy',
          address.slice(0, 100),
        ),
      );
    return address;
  }

  get handshakeTimeoutMs(): number {
    const value: number = this.get<number>('handshakeTimeoutMs', 10_000);
    if (!Number.isFinite(value) || value < 100)
      throw new SettingError('handshakeTimeoutMs', vscode.l10n.t('{0} ms is too short (at least 100)', String(value)));
    return value;
  }

  get tunnelHosts(): string[] {
    return this.validated('tunnelHosts', (v) => parseHostPattern(v));
  }

  get hostOverrides(): string[] {
    return this.validated('hostOverrides', (v) => parseHostOverride(v));
  }

  get upstreamCaFiles(): string[] {
    return this.get<string[]>('upstreamCaFiles', []);
  }

  /** The inspection profile (as the CLI's --profile); `own-intermediate` when only an intermediate is given. */
  get inspectionProfile(): string {
    const value = this.get('inspectionProfile', 'generic').trim() || 'generic';
    try {
      return inspectionProfile(value).id;
    } catch (error) {
      if (error instanceof InspectionProfileError) throw new SettingError('inspectionProfile', error.message);
      throw error;
    }
  }

  /** The organisation's inspection intermediate, `CERT,KEY` (as the CLI's --intermediate-ca). */
  get intermediateCa(): { certFile: string; keyFile: string } | null {
    const value = this.get('intermediateCa', '').trim();
    if (!value) return null;
    try {
      return parseIntermediateCa(value);
    } catch (error) {
      if (error instanceof InspectionProfileError) throw new SettingError('intermediateCa', error.message);
      throw error;
    }
  }

  /** `HOST_PATTERN=CERT,KEY` entries, as the CLI's --client-cert. */
  get clientCertificates(): ClientCertificateOption[] {
    const values = this.get<unknown>('clientCertificates', []);
    if (!Array.isArray(values) || !values.every((v): v is string => typeof v === 'string'))
      throw new SettingError('clientCertificates', vscode.l10n.t('expected a list of strings HOST_PATTERN=CERT,KEY'));
    return values.map((value) => {
      try {
        return parseClientCertificate(value);
      } catch (error) {
        if (error instanceof ClientCertificateError) throw new SettingError('clientCertificates', error.message);
        throw error;
      }
    });
  }

  get upstreamProxy(): string | null {
    const value = this.get('upstreamProxy', '').trim();
    if (!value) return null;
    try {
      parseUpstreamProxy(value);
    } catch (error) {
      throw new SettingError('upstreamProxy', error instanceof Error ? error.message : String(error));
    }
    return value;
  }

  get confirmByTunnelling(): boolean {
    return this.get('confirmByTunnelling', false);
  }

  get maxConnectionsKept(): number {
    return Math.max(100, this.get('maxConnectionsKept', DEFAULT_MAX_CONNECTIONS_KEPT));
  }

  /** Name the process behind each connection from this machine (default on). */
  get attributeProcesses(): boolean {
    return this.get('attributeProcesses', true);
  }

  get keyLogFile(): string | null {
    return this.get('keyLogFile', '').trim() || null;
  }

  get captureBytes(): number {
    const value: number = this.get<number>('captureBytes', DEFAULT_CAPTURE_BYTES);
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_CAPTURE_BYTES)
      throw new SettingError('captureBytes', vscode.l10n.t('{0} is not valid: 0 (off) to {1} bytes', String(value), MAX_CAPTURE_BYTES));
    return value;
  }

  get applyToAllTerminals(): boolean {
    return this.get('applyToAllTerminals', false);
  }

  private validated(key: string, check: (value: string) => unknown): string[] {
    const values = this.get<unknown>(key, []);
    if (!Array.isArray(values) || !values.every((v): v is string => typeof v === 'string'))
      throw new SettingError(key, vscode.l10n.t('expected a list of strings'));
    for (const value of values) {
      try {
        check(value);
      } catch (error) {
        if (error instanceof HostPatternError) throw new SettingError(key, error.message);
        throw error;
      }
    }
    return values;
  }
}
