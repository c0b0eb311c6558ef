/**
 * Command lines can hold secrets (`--token=…`, `--password …`, `https://user:pass@host`, `-H
 * 'Authorization: Bearer …'`). Everything shown or exported goes through `redactCommand` first: values
 * that look like credentials become `***`, the rest stays readable. When in doubt, redact.
 */
import { MAX_COMMAND_CHARS } from './processIdentity';

const REDACTED = '***';

/** Option or variable names whose value is a credential. */
const SECRET_NAME =
  /(?:token|secret|password|passwd|passphrase|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|bearer)(?:$|[-_.])|(?:^|[-_.])(?:pass|pwd|auth|cookie|session|sig|signature)(?:$|[-_.])/i;
/** Options whose next argument is a credential (besides SECRET_NAME long options). */
const SECRET_SHORT_OPTIONS = new Set([
  '-p',
  '-P',
  '-u',
  '--user',
  '--proxy-user',
  '-U',
  '-H',
  '--header',
  '--proxy-header',
  '-b',
  '--cookie',
]);
/** Header names whose value is a credential (`Authorization`, `PRIVATE-TOKEN`, `X-Vault-Token`, `Cookie`, `X-API-Key`). */
const SECRET_HEADER_NAME = /token|secret|api-?key|auth|password|passwd|cookie|session|signature|credential/i;
/** `Name: value` inside an argument (a space after the colon, as headers are written); `-H` values also without it. */
const HEADER_IN_TEXT = /(^|[\s'"])([A-Za-z0-9-]+)(\s*:\s+)(\S.*)$/s;
const HEADER_VALUE = /^([A-Za-z0-9-]+)(\s*:\s*)(\S.*)$/s;
/** Programs whose `-a VALUE` is a password (redis-cli, keydb-cli). */
const PASSWORD_A_PROGRAMS = /(?:^|\/)(?:redis-cli|keydb-cli|valkey-cli)$/;
/** Tokens recognisable by their shape wherever they appear. */
const TOKEN_SHAPES = [
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk-[A-Za-z0-9_-]{16,}\b/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\bhvs\.[A-Za-z0-9_-]{20,}\b/g,
  /\bnpm_[A-Za-z0-9]{30,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
];

/**
 * `scheme://user:pass@host` → `scheme://user:***@host`; `scheme://TOKEN@host` → `scheme://***@host` (a
 * lone user part is how tokens travel in clone URLs); `user:pass@host` without a scheme likewise; secret
 * query parameters and DSN settings (`password=…` in `host=db password=x`) → `name=***`.
 */
function redactUrls(text: string): string {
  const withoutPasswords = text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi, (_all, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]+)@/gi, (all, scheme: string, user: string) =>
      user === REDACTED || user.includes(':') ? all : `${scheme}${REDACTED}@`,
    )
    .replace(/(^|[\s'"=])([^\s/@:'"=]+):([^\s/@'"]+)@(?=[A-Za-z0-9[])/g, (all, lead: string, user: string, password: string) =>
      password === REDACTED ? all : `${lead}${user}:${REDACTED}@`,
    );
  return withoutPasswords
    .replace(/([?&;])([^=&\s#]+)=([^&\s#]*)/g, (all, sep: string, name: string) =>
      SECRET_NAME.test(name) ? `${sep}${name}=${REDACTED}` : all,
    )
    .replace(
      /(^|[\s;'"])([A-Za-z_]*(?:password|passwd|pwd|secret|token)[A-Za-z_]*)=(?!\*\*\*)([^\s;'"&]+)/gi,
      (_all, lead: string, name: string) => `${lead}${name}=${REDACTED}`,
    );
}

function redactShapes(text: string): string {
  return TOKEN_SHAPES.reduce((acc, shape) => acc.replace(shape, REDACTED), text);
}

/** One argument on its own: `--token=x`, `NAME=x`, `Authorization: x`, URLs and token shapes. */
function redactArgument(arg: string): string {
  const header =
    HEADER_IN_TEXT.exec(arg) ?? (/^--(?:proxy-)?header=/.test(arg) ? HEADER_VALUE.exec(arg.replace(/^--(?:proxy-)?header=/, '')) : null);
  if (header && SECRET_HEADER_NAME.test(header.length === 5 ? (header[2] ?? '') : (header[1] ?? ''))) {
    const [name, separator] = header.length === 5 ? [header[2], header[3]] : [header[1], header[2]];
    const start = arg.lastIndexOf(`${name ?? ''}${separator ?? ''}`);
    return `${arg.slice(0, start)}${name ?? ''}${separator ?? ''}${REDACTED}`;
  }
  const assignment = /^(-{0,2}[A-Za-z0-9_.-]+)=(.*)$/s.exec(arg);
  if (assignment?.[1] && SECRET_NAME.test(assignment[1].replace(/^-+/, ''))) return `${assignment[1]}=${REDACTED}`;
  return redactShapes(redactUrls(arg));
}

/** The value after an option such as `-u user:pass`: only the secret part goes. */
function redactOptionValue(option: string, value: string): string {
  if ((option === '-u' || option === '--user' || option === '--proxy-user' || option === '-U') && value.includes(':'))
    return `${value.slice(0, value.indexOf(':'))}:${REDACTED}`;
  if (option === '-H' || option === '--header' || option === '--proxy-header') {
    const header = HEADER_VALUE.exec(value);
    return header && SECRET_HEADER_NAME.test(header[1] ?? '') ? `${header[1] ?? ''}${header[2] ?? ''}${REDACTED}` : redactArgument(value);
  }
  if (option === '-u' || option === '--user' || option === '-U') return value;
  return REDACTED;
}

function takesSecretValue(arg: string): boolean {
  if (SECRET_SHORT_OPTIONS.has(arg)) return true;
  return /^--[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg) && SECRET_NAME.test(arg.slice(2));
}

/** A value attached to a short option: `-pPASS` (mysql), `-uuser:pass` (curl). */
function redactAttached(arg: string): string | null {
  if (/^-p[^-\s]/.test(arg)) return `-p${REDACTED}`;
  const user = /^-u([^:\s]+):./.exec(arg);
  return user ? `-u${user[1] ?? ''}:${REDACTED}` : null;
}

/** Redacts an argument vector (argv[0] included). */
export function redactArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  const aIsPassword = PASSWORD_A_PROGRAMS.test(argv[0] ?? '');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const attached = i > 0 ? redactAttached(arg) : null;
    if (attached !== null) {
      out.push(attached);
      continue;
    }
    if (i > 0 && (takesSecretValue(arg) || (aIsPassword && arg === '-a')) && next !== undefined && !next.startsWith('--')) {
      out.push(arg, redactOptionValue(arg, next));
      i++;
      continue;
    }
    out.push(redactArgument(arg));
  }
  return out;
}

function quote(arg: string): string {
  return arg === '' ? "''" : /[^\w@%+=:,./*-]/.test(arg) ? `'${arg.replace(/'/g, "'\\''")}'` : arg;
}

/** The redacted command as one line for people, shell-quoted and bounded. */
export function redactCommand(argv: readonly string[], maxChars = MAX_COMMAND_CHARS): string {
  const line = redactArguments(argv).map(quote).join(' ');
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** For free text that may hold a command (e.g. a recorded tool's output line). */
export function redactText(text: string): string {
  const headers = text.replace(/\b([A-Za-z0-9-]+)(\s*:\s*)([^\r\n'"]+)/g, (all, name: string, separator: string) =>
    SECRET_HEADER_NAME.test(name) ? `${name}${separator}${REDACTED}` : all,
  );
  const options = headers
    .replace(/(^|\s)(--[A-Za-z0-9][\w.-]*)(\s+|=)(?!\*\*\*)([^\s-]\S*)/g, (all, lead: string, option: string, separator: string) =>
      SECRET_NAME.test(option.slice(2)) ? `${lead}${option}${separator}${REDACTED}` : all,
    )
    .replace(/(^|\s)-p(?!\*\*\*)([^\s-]\S*)/g, `$1-p${REDACTED}`)
    .replace(/(^|\s)-u([^:\s]+):(?!\*\*\*)\S+/g, `$1-u$2:${REDACTED}`)
    .replace(/((?:^|[\s/])(?:redis-cli|keydb-cli|valkey-cli)\s(?:.*\s)?-a\s+)(?!\*\*\*)\S+/g, `$1${REDACTED}`);
  return redactShapes(redactUrls(options));
}
