/**
 * Standard output and error as every command uses them: the process ends only once both are flushed
 * (`process.exit` right after a write cuts a piped output at the pipe's 64 KiB, with status 0), and a
 * write that fails (a closed pipe, a full disk) makes the exit status an error — unless the command
 * handled that failure itself (the `--events -` sink goes on without its output).
 */

type StandardStream = NodeJS.WriteStream;

const failures = new Map<StandardStream, NodeJS.ErrnoException>();
const handled = new Set<StandardStream>();

/** Remembers write failures instead of letting them crash the process. Call once, at start. */
export function watchStandardStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!failures.has(stream)) failures.set(stream, error);
    });
  }
}

/** The command dealt with this stream's failure (reported it and went on): it does not change the exit status. */
export function failureHandled(stream: StandardStream): void {
  handled.add(stream);
}

function flushed(stream: StandardStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  // The callback of an empty write runs once everything written before it has reached the pipe or file.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Waits for both streams to flush, then the exit status: `code`, or 1 when an output could not be written. */
export async function flushStandardStreams(code: number): Promise<number> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  const failed = [process.stdout, process.stderr].find((stream) => failures.has(stream) && !handled.has(stream));
  if (!failed) return code;
  if (failed === process.stdout && !failures.has(process.stderr)) {
    const reason = failures.get(failed);
    process.stderr.write(
      `pinscope: cannot write to standard output (${reason?.code ?? reason?.message ?? 'unknown error'}): the output is incomplete\n`,
    );
    await flushed(process.stderr);
  }
  return code === 0 ? 1 : code;
}
