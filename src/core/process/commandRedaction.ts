/**
 * Command lines can hold secrets (`--token=…`, `--password …`, `https://user:pass@host`, `-H
 * 'Authorization: Bearer …'`). Everything shown or exported goes through `redactCommand` first: values
 * that look like credentials become `***`, the rest stays readable. When in doubt, redact.
 */
import { MAX_COMMAND_CHARS } from './processIdentity';

const REDACTED = '***';

/** Option or variable names whose value is a credential. */
const SECRET_NAME = /(?:token|secret|password|passwd|passphrase|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|bearer)(?:$|[-_.])|(?:^|[-_.])(?:pass|pwd|auth|cookie|session|sig|signature)(?:$|[-_.])/i;
/** Options whose next argument is a credential (besides SECRET_NAME long options). */
const SECRET_SHORT_OPTIONS = new Set(['-p', '-P', '-u', '--user', '--proxy-user', '-U', '-H', '--header', '--proxy-header', '-b', '--cookie']);
/** Headers whose value is a credential. */
const SECRET_HEADER = /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|api-key|x-amz-security-token)(\s*:\s*)(.+)$/i;
/** Tokens recognisable by their shape wherever they appear. */
const TOKEN_SHAPES = [
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\bsk-[A-Za-z0-9_-]{16,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
];

/** `scheme://user:pass@host` → `scheme://user:***@host`; secret query parameters → `name=***`. */
function redactUrls(text: string): string {
  const withoutPasswords = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi, (_all, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
  return withoutPasswords.replace(/([?&;])([^=&\s#]+)=([^&\s#]*)/g, (all, sep: string, name: string) => (SECRET_NAME.test(name) ? `${sep}${name}=${REDACTED}` : all));
}

function redactShapes(text: string): string {
  return TOKEN_SHAPES.reduce((acc, shape) => acc.replace(shape, REDACTED), text);
}

/** One argument on its own: `--token=x`, `NAME=x`, `Authorization: x`, URLs and token shapes. */
function redactArgument(arg: string): string {
  const header = SECRET_HEADER.exec(arg);
  if (header) return `${arg.slice(0, header.index)}${header[1] ?? ''}${header[2] ?? ''}${REDACTED}`;
  const assignment = /^(-{0,2}[A-Za-z0-9_.-]+)=(.*)$/s.exec(arg);
  if (assignment?.[1] && SECRET_NAME.test(assignment[1].replace(/^-+/, ''))) return `${assignment[1]}=${REDACTED}`;
  return redactShapes(redactUrls(arg));
}

/** The value after an option such as `-u user:pass`: only the secret part goes. */
function redactOptionValue(option: string, value: string): string {
  if ((option === '-u' || option === '--user' || option === '--proxy-user' || option === '-U') && value.includes(':')) return `${value.slice(0, value.indexOf(':'))}:${REDACTED}`;
  if (option === '-H' || option === '--header' || option === '--proxy-header') return redactArgument(value);
  if (option === '-u' || option === '--user' || option === '-U') return value;
  return REDACTED;
}

function takesSecretValue(arg: string): boolean {
  if (SECRET_SHORT_OPTIONS.has(arg)) return true;
  return /^--[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg) && SECRET_NAME.test(arg.slice(2));
}

/** Redacts an argument vector (argv[0] included). */
export function redactArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (i > 0 && takesSecretValue(arg) && next !== undefined && !next.startsWith('--')) {
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
  return redactShapes(redactUrls(text.replace(/(authorization|proxy-authorization|cookie|x-api-key)(\s*:\s*)([^\r\n]+)/gi, `$1$2${REDACTED}`)));
}
