// Node's http2 client through an HTTP CONNECT proxy: node get_h2.js URL PROXY_PORT [CA_PEM]
const http2 = require('node:http2');
const net = require('node:net');
const tls = require('node:tls');
const fs = require('node:fs');
const [url, port, cafile] = process.argv.slice(2);
const { hostname } = new URL(url);
const fail = (error) => { console.log(`failed ${error.code ?? ''} ${error.message}`); process.exit(1); };
setTimeout(() => fail(new Error('timeout')), 15000).unref();
const raw = net.connect(Number(port), '127.0.0.1', () => raw.write(`CONNECT ${hostname}:443 HTTP/1.1\r\nHost: ${hostname}:443\r\n\r\n`));
raw.once('data', () => {
  const session = http2.connect(url, {
    createConnection: () => tls.connect({ socket: raw, servername: hostname, ALPNProtocols: ['h2'], ...(cafile ? { ca: fs.readFileSync(cafile) } : {}) }),
  });
  session.on('error', fail);
  const request = session.request({ ':path': new URL(url).pathname });
  request.on('response', (headers) => {
    request.resume();
    request.on('end', () => { console.log(`ok ${headers[':status']} HTTP/2`); session.close(); });
  });
  request.on('error', fail);
  request.end();
});
raw.on('error', fail);
