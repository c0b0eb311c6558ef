/** `node out/test/host/installCodeServer.js`: installs (or finds) the cached code-server test host. */
import { ensureCodeServer } from './codeServerInstall';

process.stdout.write(`code-server test host: ${ensureCodeServer((line) => process.stdout.write(`${line}\n`))}\n`);
