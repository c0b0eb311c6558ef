"""A Python ssl client through an HTTP CONNECT proxy: python_client.py PROXY_PORT HOST [CAFILE]."""
import socket
import ssl
import sys

port, host = int(sys.argv[1]), sys.argv[2]
cafile = sys.argv[3] if len(sys.argv) > 3 else None
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
raw.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
head = b""
while b"\r\n\r\n" not in head:
    head += raw.recv(1)
context = ssl.create_default_context(cafile=cafile)
try:
    tls = context.wrap_socket(raw, server_hostname=host)
    tls.sendall(f"GET /hello HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    body = b""
    while chunk := tls.recv(4096):
        body += chunk
    print(body.decode().split("\r\n")[0])
    tls.close()
except ssl.SSLError as error:
    print(f"ssl error: {error}")
    sys.exit(1)
