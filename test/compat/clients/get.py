"""urllib through HTTPS_PROXY: get.py URL [CA_PEM]; without CA_PEM, the system's roots."""
import ssl
import sys
import urllib.request

url = sys.argv[1]
context = ssl.create_default_context(cafile=sys.argv[2] if len(sys.argv) > 2 else None)
opener = urllib.request.build_opener(urllib.request.ProxyHandler(), urllib.request.HTTPSHandler(context=context))
try:
    with opener.open(url, timeout=15) as response:
        response.read()
        print(f"ok {response.status} HTTP/1.1")
except Exception as error:  # noqa: BLE001 - the failure is the result
    print(f"failed {error}")
    sys.exit(1)
