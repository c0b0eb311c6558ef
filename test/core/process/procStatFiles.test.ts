/** Kept-open `/proc/PID/stat` files answer as a fresh read does: the process as it is now, and null once it is gone. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ProcStatFiles, readStatSync } from '../../../src/core/process/procProcess';

describe('kept-open stat files', { skip: process.platform !== 'linux' }, () => {
  it('read what a fresh read reads, follow an exec, and answer null once the process is gone', async () => {
    const files = new ProcStatFiles('/proc', 2);
    // A shell that execs sleep once told to: the same process (pid and start time) runs another program.
    const child = spawn('sh', ['-c', 'read line; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = child.pid ?? -1;
    try {
      // Opened while the child may still be the forked node, before its exec of sh: the file follows it.
      const readComm = async (wanted: string): Promise<ReturnType<ProcStatFiles['read']>> => {
        let stat = files.read(pid);
        // Waits for the exec, not for a time: the bound only keeps a broken run from hanging.
        for (let tries = 0; stat !== null && stat.comm !== wanted && tries < 3000; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          stat = files.read(pid);
        }
        return stat;
      };
      const first = await readComm('sh');
      const fresh = readStatSync(pid);
      assert.deepEqual([first?.pid, first?.startTime, first?.comm], [fresh?.pid, fresh?.startTime, fresh?.comm]);
      child.stdin.write('go\n');
      const after = await readComm('sleep');
      assert.ok(after && first);
      assert.equal(after.comm, 'sleep');
      assert.equal(after.startTime, first.startTime);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    assert.equal(files.read(pid), null);
    // Beyond its capacity the oldest file is closed; the others still read.
    assert.equal(files.read(process.pid)?.pid, process.pid);
    assert.equal(files.read(process.ppid)?.pid, process.ppid);
    assert.equal(files.read(1)?.pid, 1);
    assert.equal(files.read(process.pid)?.pid, process.pid);
    files.close();
  });
});
