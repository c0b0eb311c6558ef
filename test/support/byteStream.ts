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
