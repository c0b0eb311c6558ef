// A Node client that pins a public key anywhere in the chain the server sent (as OkHttp's CertificatePinner
// does): the leaf's, or an intermediate's. Sends one request, prints the status line.
// node node_chain_pinning_client.js PROXY_PORT HOST CAFILE EXPECTED_PIN
const net = require('node:net');
const tls = require('node:tls');
const crypto = require('node:crypto');
const fs = require('node:fs');
const [port, host, cafile, expected] = process.argv.slice(2);
const pinOf = (cert) => crypto.createHash('sha256').update(cert.pubkey).digest('base64');
const raw = net.connect(Number(port), '127.0.0.1', () => raw.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
raw.once('data', () => {
  const socket = tls.connect({
    socket: raw, servername: host, ca: fs.readFileSync(cafile), ALPNProtocols: ['http/1.1'],
    checkServerIdentity: (name, leaf) => {
      const seen = [];
      for (let cert = leaf; cert && !seen.includes(cert.fingerprint256); cert = cert.issuerCertificate) {
        seen.push(cert.fingerprint256);
        if (pinOf(cert) === expected) return tls.checkServerIdentity(name, leaf);
      }
      return new Error(`no certificate in the chain matches the pin for ${name}`);
    },
  }, () => socket.write(`GET /hello HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
  let response = '';
  socket.on('data', (chunk) => { response += chunk; });
  socket.on('end', () => { console.log(response.split('\r\n')[0]); });
  socket.on('error', (error) => { console.log(`failed: ${error.message}`); process.exit(1); });
});
