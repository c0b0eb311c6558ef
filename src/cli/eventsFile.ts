/** The `--events` sink: one JSON object per line, to a file or stdout, flushed on exit. */
import { createWriteStream, type WriteStream } from 'node:fs';

export class EventsFile {
  private readonly stream: WriteStream | NodeJS.WriteStream;

  constructor(target: string) {
    this.stream = target === '-' ? process.stdout : createWriteStream(target, { flags: 'w' });
  }

  write(value: object): void {
    this.stream.write(`${JSON.stringify(value)}\n`);
  }

  close(): Promise<void> {
    if (this.stream === process.stdout) return Promise.resolve();
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
