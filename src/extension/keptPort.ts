/**
 * The port of a workspace's proxy when `pinscope.port` is 0 (any free port): the first one found is kept
 * in the workspace's state and bound again at every start and after a reload, so proxied terminals,
 * copied environments and debug configurations keep pointing at a live proxy. Another port is taken only
 * when that one is busy.
 */
import type * as vscode from 'vscode';

const KEY = 'pinscope.keptPort';

export class KeptPort {
  constructor(private readonly state: vscode.Memento) {}

  /** The port this workspace's proxy listened on last, if it was chosen freely. */
  get port(): number | undefined {
    const value = this.state.get<unknown>(KEY);
    return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536 ? value : undefined;
  }

  keep(port: number): Thenable<void> {
    return this.state.update(KEY, port);
  }
}
