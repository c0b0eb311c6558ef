/** The label of a process: its app, the parents between, and its target — never an option's value. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeAncestry, type ChainLink } from '../../../src/core/process/appRecognition';

const bash: ChainLink = { pid: 9, name: 'bash', path: '/bin/bash', argv: ['bash'] };
const ptyHost: ChainLink = {
  pid: 8,
  name: 'node',
  path: '/usr/lib/code-server/lib/node',
  argv: ['/usr/lib/code-server/lib/node', '/usr/lib/code-server/out/bootstrap-fork', '--type=ptyHost'],
};
const extensionHost: ChainLink = {
  pid: 7,
  name: 'node',
  path: '/usr/lib/code-server/lib/node',
  argv: ['/usr/lib/code-server/lib/node', '/usr/lib/code-server/out/bootstrap-fork', '--type=extensionHost'],
};

describe('the process label', () => {
  it("names curl's target, not its --pinnedpubkey value", () => {
    const curl: ChainLink = {
      pid: 10,
      name: 'curl',
      path: '/usr/bin/curl',
      argv: ['curl', '-sS', '--pinnedpubkey', 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'https://pinned.example.test/hello'],
    };
    assert.equal(describeAncestry([curl, bash, ptyHost]).label, 'Code terminal › bash › curl pinned.example.test');
    const noUrl: ChainLink = { ...curl, argv: ['curl', '--pinnedpubkey', 'sha256//AAAA=', 'pinned.example.test'] };
    assert.equal(describeAncestry([noUrl, bash, ptyHost]).label, 'Code terminal › bash › curl pinned.example.test');
  });

  it('keeps a script as the target when there is no URL', () => {
    const node: ChainLink = { pid: 10, name: 'node', path: '/usr/bin/node', argv: ['node', '--max-old-space-size=4096', 'server.js'] };
    assert.equal(describeAncestry([node, bash, ptyHost]).label, 'Code terminal › bash › node server.js');
  });

  it('names a program started by a debug session (the extension host) as such, not as a terminal', () => {
    const node: ChainLink = { pid: 10, name: 'node', path: '/usr/bin/node', argv: ['node', '/work/app/index.js'] };
    const ancestry = describeAncestry([node, extensionHost]);
    assert.equal(ancestry.app, 'Code debug session');
    assert.equal(ancestry.label, 'Code debug session › node index.js');
  });
});
