/** The inspector webview: boots the toolkit, talks to the extension through the typed protocol. */
import { isHostMessage, type WebviewMessage } from '../src/shared/protocol';
import { registerToolkit } from './toolkit';
import { Inspector } from './inspector';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

registerToolkit();
const vscode = acquireVsCodeApi();
const root = document.getElementById('app');
if (root) {
  const inspector = new Inspector(
    root,
    (message) => vscode.postMessage(message),
    vscode.getState(),
    (state) => vscode.setState(state),
  );
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isHostMessage(event.data)) inspector.receive(event.data);
  });
  vscode.postMessage({ type: 'ready' });
}
