/** The inspector's protocol: every message from the webview checked before the extension acts on it; handler tables exhaustive by type. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatch, isHostMessage, parseWebviewMessage, type MessageHandlers, type WebviewMessage } from '../../src/shared/protocol';

describe('inspector protocol', () => {
  it('accepts well-formed messages from the webview as they are', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'select', id: 3 },
      { type: 'tunnelHost', host: 'a.test' },
      { type: 'exportRequest', hosts: ['a.test'] },
      { type: 'openPin', path: 'app/res/xml/nsc.xml', line: 4 },
    ] as const) {
      assert.deepEqual(parseWebviewMessage(message), { message });
    }
  });

  it('rejects unknown types, inherited names and bad fields, saying why', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'format-disk' }), { rejected: 'unknown type "format-disk"' });
    assert.deepEqual(
      parseWebviewMessage({ type: 'constructor' }),
      { rejected: 'unknown type "constructor"' },
      'never a name inherited from Object.prototype',
    );
    assert.deepEqual(parseWebviewMessage({ type: 7 }), { rejected: 'unknown type "number"' });
    assert.deepEqual(parseWebviewMessage(null), { rejected: 'not an object' });
    assert.deepEqual(parseWebviewMessage({ type: 'select', id: '3' }), { rejected: '"select" with missing or invalid fields' });
    assert.deepEqual(parseWebviewMessage({ type: 'tunnelHost', host: 'x'.repeat(254) }), {
      rejected: '"tunnelHost" with missing or invalid fields',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'exportRequest', hosts: ['a.test', 3] }), {
      rejected: '"exportRequest" with missing or invalid fields',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'openPin', path: 'a', line: 0 }), {
      rejected: '"openPin" with missing or invalid fields',
    });
    assert.equal(isHostMessage({ type: 'rows' }), true);
    assert.equal(isHostMessage({ type: 'toString' }), false);
  });

  it('dispatches each message to its own handler', () => {
    const seen: string[] = [];
    const handlers: MessageHandlers<Extract<WebviewMessage, { type: 'select' | 'copy' }>, number> = {
      select: ({ id }) => {
        seen.push(`select ${id}`);
        return id;
      },
      copy: ({ text }) => {
        seen.push(`copy ${text}`);
        return text.length;
      },
    };
    assert.equal(dispatch(handlers, { type: 'select', id: 5 }), 5);
    assert.equal(dispatch(handlers, { type: 'copy', text: 'abc' }), 3);
    assert.deepEqual(seen, ['select 5', 'copy abc']);
    // @ts-expect-error a table without a handler for every message does not compile
    const incomplete: MessageHandlers<Extract<WebviewMessage, { type: 'select' | 'copy' }>, void> = { select: () => undefined };
    assert.ok(incomplete);
  });
});
