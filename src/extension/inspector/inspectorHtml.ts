/** The inspector page: strict CSP, scripts only by nonce, resources only from the bundled media folder. */

export interface InspectorHtmlInput {
  /** The webview's `cspSource` (or a test origin). */
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** The page of "Open in Editor": the detail of this connection and its host only. */
  readonly focusId?: number;
}

export function inspectorHtml({ cspSource, nonce, scriptUri, styleUri, focusId }: InspectorHtmlInput): string {
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    // The toolkit (FAST) probes :focus-visible with a <style> carrying the nonce from meta[property=csp-nonce].
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}">
<title>${focusId === undefined ? 'Pinscope Inspector' : 'Pinscope Detail'}</title>
</head>
<body>
<main id="app"${focusId === undefined ? '' : ` data-focus="${String(Math.trunc(focusId))}"`}></main>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
