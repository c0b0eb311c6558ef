/**
 * The inodes of this machine's unix and netlink sockets, from Linux's `/proc/net/unix` and
 * `/proc/net/netlink`: sockets that can never be a TCP connection to the proxy. Both tables are small
 * (a few dozen lines) and procfs answers from memory, so they are read in place.
 */
import { readFileSync } from 'node:fs';

/** The inode column of /proc/net/unix (7th) and /proc/net/netlink (10th). */
const INODE_COLUMN: Readonly<Record<'unix' | 'netlink', number>> = { unix: 6, netlink: 9 };

/** `root` is procfs' mount point (`/proc`); a table that cannot be read adds nothing. */
export function localSocketInodes(root: string): Set<number> {
  const inodes = new Set<number>();
  for (const [table, column] of Object.entries(INODE_COLUMN)) {
    let text: string;
    try {
      text = readFileSync(`${root}/net/${table}`, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const inode = Number(line.trim().split(/\s+/)[column]);
      if (inode > 0) inodes.add(inode);
    }
  }
  return inodes;
}
