/** Writes `total` bytes of filler to a response, honouring back-pressure (test and benchmark origins). */
export interface Writable {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
}

export function sendFiller(response: Writable, total: number, chunk: Buffer): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      if (!response.write(piece)) return void response.once('drain', pump);
    }
    response.end();
  };
  pump();
}

/**
 * Bytes where every 4-byte word is its own index (big-endian): a piece lost, repeated, reordered or
 * overwritten on the way shows at the first byte it moved.
 */
export function patternBytes(offset: number, length: number): Buffer {
  const first = Math.floor(offset / 4);
  const words = Buffer.allocUnsafe((Math.ceil((offset + length) / 4) - first) * 4);
  for (let i = 0; i < words.length / 4; i++) words.writeUInt32BE((first + i) >>> 0, i * 4);
  return words.subarray(offset - first * 4, offset - first * 4 + length);
}

/** Writes patternBytes(0, total), honouring back-pressure; ends the stream unless told not to. */
export function sendPattern(response: Writable, total: number, end = true): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = patternBytes(sent, Math.min(64 * 1024 + 3, total - sent));
      sent += piece.length;
      if (!response.write(piece)) return void response.once('drain', pump);
    }
    if (end) response.end();
  };
  pump();
}

/** Checks bytes received against patternBytes as they arrive; `mismatch` is the first offset that differed. */
export class PatternCheck {
  received = 0;
  mismatch: number | undefined;

  push(chunk: Buffer): void {
    if (this.mismatch === undefined) {
      const expected = patternBytes(this.received, chunk.length);
      if (!expected.equals(chunk)) {
        let i = 0;
        while (expected[i] === chunk[i]) i++;
        this.mismatch = this.received + i;
      }
    }
    this.received += chunk.length;
  }
}
