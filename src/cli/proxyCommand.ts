/** `pinscope proxy`: run the intercepting proxy until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { confirmByTunnelling, PROXY_FLAGS, PROXY_FLAGS_HELP, toProxyOptions } from './proxyArguments';
import { formatSummary, startLiveProxy } from './liveProxy';

const PROXY_HELP = `Usage: pinscope proxy [options]

Runs the intercepting proxy on 127.0.0.1 and shows every connection's outcome as it ends.
Point an app at it with HTTPS_PROXY=http://127.0.0.1:PORT and make it trust the CA certificate.
Stops on Ctrl-C (SIGINT) or SIGTERM, then prints a per-host summary.

Options:
${PROXY_FLAGS_HELP}
  -h, --help               show this help
`;

export async function proxyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: PROXY_FLAGS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(PROXY_HELP);
    return 0;
  }
  const proxy = await startLiveProxy(toProxyOptions(values), values.events, confirmByTunnelling(values));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write(formatSummary(await proxy.stop()));
  return 0;
}
