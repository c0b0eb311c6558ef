/**
 * The `--events` sink: one JSON object per line, to a file or stdout, flushed on exit. The file is
 * created owner-only (it records hosts, URLs and timings) and checked when the proxy starts; a write that
 * fails later (a closed pipe, a full disk) is reported once and the proxy goes on without the file.
 */
import { closeSync, constants, createWriteStream, fchmodSync, fstatSync, openSync, type WriteStream } from 'node:fs';
import { failureHandled } from './standardStreams';
import { UsageError } from './usage';

export class EventsFile {
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private failed = false;

  /** Opens the target now (throws a UsageError saying why it cannot); `onFailure` hears of a later write failure, once. */
  constructor(
    private readonly target: string,
    private readonly onFailure: (message: string) => void,
  ) {
    this.stream = target === '-' ? process.stdout : createWriteStream(target, { fd: openOwnerOnly(target) });
    this.stream.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
  }

  write(value: object): void {
    if (this.failed) return;
    this.stream.write(`${JSON.stringify(value)}\n`);
  }

  close(): Promise<void> {
    if (this.stream === process.stdout || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  private fail(error: NodeJS.ErrnoException): void {
    if (this.failed) return;
    this.failed = true;
    if (this.stream === process.stdout) failureHandled(process.stdout);
    this.onFailure(
      `cannot write the events ${this.target === '-' ? 'to stdout' : `file ${this.target}`} (${error.code ?? error.message}); no more events are written, the proxy goes on`,
    );
  }
}

function openOwnerOnly(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--events ${path}: ${code === 'ELOOP' ? 'is a symbolic link: refused' : `cannot be written (${code})`}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`--events ${path}: not a regular file`);
    if (process.platform !== 'win32') fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
