// A Node client that pins the server's public key in checkServerIdentity (the usual Node pinning recipe):
// node node_pinning_client.js PROXY_PORT HOST CAFILE EXPECTED_PIN
const net = require('node:net');
const tls = require('node:tls');
const crypto = require('node:crypto');
const fs = require('node:fs');
const [port, host, cafile, expected] = process.argv.slice(2);
const raw = net.connect(Number(port), '127.0.0.1', () => raw.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
raw.once('data', () => {
  const socket = tls.connect({
    socket: raw, servername: host, ca: fs.readFileSync(cafile),
    checkServerIdentity: (name, cert) => {
      const pin = crypto.createHash('sha256').update(cert.pubkey).digest('base64');
      return pin === expected ? undefined : new Error(`public key pin mismatch for ${name}`);
    },
  }, () => { console.log('connected'); socket.end(); });
  socket.on('error', (error) => { console.log(`failed: ${error.message}`); process.exit(1); });
});
