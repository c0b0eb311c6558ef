/**
 * The process attributor for the platform the proxy runs on: Linux reads the kernel (netlink, procfs),
 * macOS and Windows ask their tools. Elsewhere every local connection is "unknown process".
 */
import { LinuxProcessAttributor, type LinuxAttributionOptions } from './linuxAttribution';
import { macTools } from './macTools';
import { remoteClient, unknownProcess, type ProcessAttributor } from './processIdentity';
import { LocalAddresses } from './localAddresses';
import { ToolProcessAttributor } from './toolAttribution';
import { windowsTools } from './windowsTools';

/** Tools are slower than procfs (PowerShell starts in hundreds of ms): a longer default deadline. */
const TOOL_DEADLINE_MS = 3_000;

export function processAttributorFor(
  platform: NodeJS.Platform = process.platform,
  options: LinuxAttributionOptions = {},
): ProcessAttributor {
  switch (platform) {
    case 'linux':
      return new LinuxProcessAttributor(options);
    case 'darwin':
      return new ToolProcessAttributor(macTools, undefined, options.deadlineMs ?? TOOL_DEADLINE_MS);
    case 'win32':
      return new ToolProcessAttributor(windowsTools, undefined, options.deadlineMs ?? TOOL_DEADLINE_MS);
    default: {
      const local = new LocalAddresses();
      return {
        method: `none on ${platform}`,
        attribute: (endpoints) =>
          Promise.resolve(
            local.isLocal(endpoints.remoteAddress)
              ? unknownProcess(`process attribution is not available on ${platform}`)
              : remoteClient(endpoints.remoteAddress),
          ),
        dispose: () => undefined,
      };
    }
  }
}
