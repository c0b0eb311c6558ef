/** One file's text → its pin configurations: the dispatch by file type. Pure: no file system. */
import { isAndroidNetworkConfig, scanAndroidNetworkConfig } from './androidConfig';
import { scanAlamofire, scanTrustKitCode } from './appleSourcePins';
import { scanDartPackages, scanReactNative } from './crossPlatformPins';
import { scanCustomValidation } from './customValidation';
import { scanOkHttp } from './okhttpPins';
import type { FileScan, PinConfiguration } from './pinConfiguration';
import { isPlist, scanPlist } from './plistConfig';

/** File name endings the scanner reads; everything else is not opened. */
export const SCANNED_EXTENSIONS = [
  '.xml',
  '.plist',
  '.kt',
  '.java',
  '.swift',
  '.m',
  '.mm',
  '.dart',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.ts',
  '.tsx',
  '.go',
  '.cs',
  '.py',
] as const;

/** Files larger than this are not configuration or hand-written code worth scanning (minified bundles, data). */
export const MAX_SCANNED_BYTES = 2 * 1024 * 1024;

export function isScannedFile(path: string): boolean {
  return SCANNED_EXTENSIONS.some((ext) => path.endsWith(ext)) && !path.endsWith('.d.ts') && !/\.min\.js$/.test(path);
}

const NOTHING: FileScan = { configurations: [], problems: [] };

function extension(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? '' : file.slice(dot);
}

/** `file` is workspace-relative with `/` separators. */
export function scanFileText(file: string, text: string): FileScan {
  const ext = extension(file);
  switch (ext) {
    case '.xml':
      return isAndroidNetworkConfig(text) ? scanAndroidNetworkConfig(file, text) : NOTHING;
    case '.plist':
      return isPlist(file, text) ? scanPlist(file, text) : NOTHING;
    case '.kt':
    case '.java': {
      const okHttp = scanOkHttp(file, text);
      return { configurations: [...okHttp.configurations, ...scanCustomValidation(file, text, 'java', 'c')], problems: okHttp.problems };
    }
    case '.swift':
    case '.m':
    case '.mm': {
      const found: PinConfiguration[] = [...scanTrustKitCode(file, text).configurations, ...scanAlamofire(file, text).configurations];
      return { configurations: found, problems: [] };
    }
    case '.dart':
      return {
        configurations: [...scanDartPackages(file, text), ...scanCustomValidation(file, text, 'flutter', 'c')].sort(byLine),
        problems: [],
      };
    case '.js':
    case '.jsx':
    case '.mjs':
    case '.cjs':
    case '.ts':
    case '.tsx':
      return {
        configurations: [...scanReactNative(file, text), ...scanCustomValidation(file, text, 'node', 'c')].sort(byLine),
        problems: [],
      };
    case '.go':
      return { configurations: scanCustomValidation(file, text, 'go', 'c'), problems: [] };
    case '.cs':
      return { configurations: scanCustomValidation(file, text, 'dotnet', 'c'), problems: [] };
    case '.py':
      return { configurations: scanCustomValidation(file, text, 'python', 'hash'), problems: [] };
    default:
      return NOTHING;
  }
}

function byLine(a: PinConfiguration, b: PinConfiguration): number {
  return a.line - b.line;
}
