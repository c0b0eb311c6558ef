// A Node client for the judgement ladder tests: `node ladder_client.js PROXY_URL HOST CAFILE|- PIN|-` opens
// a CONNECT tunnel and calls tls.connect with the CA given in its own code (`ca:`; "-": Node's roots plus
// NODE_EXTRA_CA_CERTS) and a pin in checkServerIdentity (the certificate's SHA-256 fingerprint).
'use strict';
const http = require('http');
const tls = require('tls');
const fs = require('fs');
const [proxyUrl, host, caFile, pin] = process.argv.slice(2);
const proxy = new URL(proxyUrl);
const request = http.request({ host: proxy.hostname, port: Number(proxy.port), method: 'CONNECT', path: `${host}:443` });
request.on('connect', (_response, socket) => {
  const options = { socket, servername: host, ...(caFile === '-' ? {} : { ca: fs.readFileSync(caFile) }) };
  if (pin !== '-') {
    options.checkServerIdentity = (name, certificate) => tls.checkServerIdentity(name, certificate) ?? (certificate.fingerprint256 === pin ? undefined : new Error('pin mismatch'));
  }
  const secure = tls.connect(options, () => secure.end(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
  let body = '';
  secure.on('data', (chunk) => { body += chunk; });
  secure.on('end', () => console.log('ok', body.split('\r\n')[0]));
  secure.on('error', (error) => { console.log('failed', error.message); secure.destroy(); process.exitCode = 1; });
});
request.on('error', (error) => { console.log('failed', error.message); process.exitCode = 1; });
request.end();
// Stays up a moment after failing, as an app does (a process gone at once cannot be attributed).
setTimeout(() => undefined, 1000);
