/**
 * The app's name as the security team will know it, for every snippet and report. In order: an explicit
 * name (--app, the export prompt), the workspace's own identity (Android `applicationId` in
 * build.gradle(.kts), iOS `PRODUCT_BUNDLE_IDENTIFIER` in project.pbxproj or `CFBundleIdentifier` in
 * Info.plist, then package.json `name`), then the app process attribution saw — never a generic tool such
 * as curl or python3 (attributedApp.ts says which).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AppIdentity {
  readonly name: string;
  readonly version: string;
  /** Where the name came from, e.g. "package.json", "app/build.gradle.kts", "--app". */
  readonly source: string;
}

export interface AppNameSources {
  /** The user's own name for the app (CLI --app, the export prompt): wins over everything. */
  readonly override?: string | undefined;
  /** The app the recorded connections came from (process attribution, generic tools already left out). */
  readonly attributedProcess?: string | undefined;
  /** The workspace folder to read package.json, build.gradle(.kts) or the Xcode project from. */
  readonly workspace?: string | undefined;
}

const FALLBACK: AppIdentity = { name: 'the app', version: '', source: 'default' };
const MAX_FILE = 2 * 1024 * 1024;
/** A name as it may appear in any output: printable, one line, bounded (it is escaped again per format). */
const cleanName = (text: string): string =>
  text
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, '')
    .trim()
    .slice(0, 120);

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return text.length <= MAX_FILE ? text : undefined;
  } catch {
    return undefined;
  }
}

async function fromPackageJson(dir: string): Promise<AppIdentity | undefined> {
  const text = await readSmall(join(dir, 'package.json'));
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { name?: unknown; version?: unknown };
    if (typeof value.name !== 'string' || cleanName(value.name) === '') return undefined;
    return {
      name: cleanName(value.name),
      version: typeof value.version === 'string' ? cleanName(value.version) : '',
      source: 'package.json',
    };
  } catch {
    return undefined;
  }
}

/** `applicationId "com.x"`, `applicationId = "com.x"` (Groovy or Kotlin DSL), in app/ or the root. */
export function applicationIdOf(gradle: string): string | undefined {
  const id = /\bapplicationId\s*(?:=\s*)?["']([A-Za-z][\w.]*)["']/.exec(gradle)?.[1];
  const version = /\bversionName\s*(?:=\s*)?["']([^"'\n]+)["']/.exec(gradle)?.[1];
  return id ? `${id}${version ? `\n${version}` : ''}` : undefined;
}

async function fromGradle(dir: string): Promise<AppIdentity | undefined> {
  for (const file of [
    'app/build.gradle.kts',
    'app/build.gradle',
    'android/app/build.gradle.kts',
    'android/app/build.gradle',
    'build.gradle.kts',
    'build.gradle',
  ]) {
    const text = await readSmall(join(dir, file));
    const found = text ? applicationIdOf(text) : undefined;
    if (found) {
      const [name = '', version = ''] = found.split('\n');
      return { name, version: cleanName(version), source: file };
    }
  }
  return undefined;
}

/** The first concrete bundle id (not a `$(VARIABLE)`) in a project.pbxproj or an Info.plist. */
export function bundleIdOf(text: string): string | undefined {
  const pbx = /PRODUCT_BUNDLE_IDENTIFIER\s*=\s*"?([A-Za-z][\w.-]*)"?\s*;/.exec(text)?.[1];
  if (pbx) return pbx;
  return /<key>CFBundleIdentifier<\/key>\s*<string>([A-Za-z][\w.-]*)<\/string>/.exec(text)?.[1];
}

async function fromXcode(dir: string): Promise<AppIdentity | undefined> {
  const list = async (sub: string): Promise<string[]> =>
    (await readdir(join(dir, sub)).catch(() => [])).filter((n) => n.endsWith('.xcodeproj')).map((n) => join(sub, n, 'project.pbxproj'));
  const candidates = [...(await list('.')), ...(await list('ios')), 'Info.plist'];
  for (const file of candidates) {
    const text = await readSmall(join(dir, file));
    const id = text ? bundleIdOf(text) : undefined;
    if (id) return { name: id, version: '', source: file };
  }
  return undefined;
}

/** Reads what the workspace says the app is called; undefined when nothing there names it. */
async function appIdentityFromWorkspace(dir: string): Promise<AppIdentity | undefined> {
  const native = (await fromGradle(dir)) ?? (await fromXcode(dir));
  const packageJson = await fromPackageJson(dir);
  // A native id without a version (React Native, Capacitor…) takes the version package.json gives.
  if (native)
    return native.version === '' && packageJson?.version
      ? { ...native, version: packageJson.version, source: `${native.source}, package.json` }
      : native;
  return packageJson;
}

export async function resolveAppIdentity(sources: AppNameSources): Promise<AppIdentity> {
  const override = sources.override !== undefined ? cleanName(sources.override) : '';
  if (override) return { name: override, version: '', source: 'given' };
  const workspace = sources.workspace ? await appIdentityFromWorkspace(sources.workspace) : undefined;
  if (workspace) return workspace;
  const process = sources.attributedProcess !== undefined ? cleanName(sources.attributedProcess) : '';
  return process ? { name: process, version: '', source: 'process attribution' } : FALLBACK;
}

/** What the developer picks the request's app from: the workspace's identity first, then each attributed app (generic tools already left out). */
export function appNameChoices(
  workspace: AppIdentity,
  attributed: readonly string[],
): { readonly label: string; readonly description: string }[] {
  const own =
    workspace.source === 'default'
      ? []
      : [{ label: `${workspace.name}${workspace.version ? ` ${workspace.version}` : ''}`, description: `from ${workspace.source}` }];
  const seen = new Set([workspace.name]);
  const others = attributed
    .map(cleanName)
    .filter((name) => name !== '' && !seen.has(name) && seen.add(name))
    .map((name) => ({ label: name, description: 'the app the breaking connections came from' }));
  return [...own, ...others];
}
