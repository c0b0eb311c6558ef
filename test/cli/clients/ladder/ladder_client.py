# A Python client for the judgement ladder tests: `ladder_client.py PROXY_URL HOST CAFILE|- PIN|-` opens a
# CONNECT tunnel, trusts CAFILE in its own code (ssl.create_default_context(cafile=...); "-": the default
# context, which honours SSL_CERT_FILE), completes the handshake, then checks a pin on the peer's certificate
# (SHA-256 of its DER, base64), as an app that pins after the handshake does. Prints "ok ..." or "failed ...".
import base64, hashlib, socket, ssl, sys
from urllib.parse import urlparse

proxy, host, cafile, pin = urlparse(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
context = ssl.create_default_context(cafile=None if cafile == '-' else cafile)
raw = socket.create_connection((proxy.hostname, proxy.port), timeout=20)
raw.sendall(f'CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n'.encode())
answer = b''
while not answer.endswith(b'\r\n\r\n'):
    byte = raw.recv(1)
    if not byte:
        sys.exit('failed: the proxy closed the tunnel')
    answer += byte
try:
    tls = context.wrap_socket(raw, server_hostname=host)
except (ssl.SSLError, OSError) as error:
    print('failed', error)
    sys.exit(1)
if pin != '-' and base64.b64encode(hashlib.sha256(tls.getpeercert(binary_form=True)).digest()).decode() != pin:
    print('failed pin mismatch')
    tls.close()
    sys.exit(1)
tls.sendall(f'GET /hello HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n'.encode())
print('ok', tls.recv(200).split(b'\r\n')[0].decode())
tls.close()
