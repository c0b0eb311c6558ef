/**
 * The `--events` sink: one JSON object per line, to a file or stdout, flushed on exit. The file is
 * created owner-only (it records hosts, URLs and timings) and checked when the proxy starts; a write that
 * fails later (a closed pipe, a full disk) is reported once and the proxy goes on without the file.
 */
import { closeSync, constants, createWriteStream, fchmodSync, fstatSync, openSync, type WriteStream } from 'node:fs';
import { failureHandled } from './standardStreams';
import { UsageError } from './usage';

/**
 * Lines are written together, at most this long after the first of them (or once this many bytes wait):
 * one write per batch instead of one per connection (docs/performance.md, W1 and W2).
 */
const BATCH_MS = 100;
const BATCH_BYTES = 64 * 1024;

export class EventsFile {
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private failed = false;
  private batch: string[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Opens the target now (throws a UsageError saying why it cannot); `onFailure` hears of a later write failure, once. */
  constructor(
    private readonly target: string,
    private readonly onFailure: (message: string) => void,
  ) {
    this.stream = target === '-' ? process.stdout : createWriteStream(target, { fd: openOwnerOnly(target) });
    this.stream.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
  }

  /** Serialised now, written with the lines of the next BATCH_MS (in the order written). */
  write(value: object): void {
    if (this.failed) return;
    const line = `${JSON.stringify(value)}\n`;
    this.batch.push(line);
    this.batchBytes += line.length;
    if (this.batchBytes >= BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Writes what waits, then closes the file (stdout stays open). */
  close(): Promise<void> {
    this.flush();
    if (this.stream === process.stdout || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.batch.join('');
    this.batch = [];
    this.batchBytes = 0;
    if (text !== '' && !this.failed) this.stream.write(text);
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
