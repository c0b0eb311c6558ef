// A Go HTTPS client for the attribution tests: `proxyfetch URL [pin:URL]...` fetches each URL in turn,
// in one process, through HTTPS_PROXY, trusting the OS store (or SSL_CERT_FILE). A `pin:` URL is checked
// against a public-key pin that no certificate has, as an app that pins its server would; the forged
// certificate is rejected. Prints "ok STATUS" or "failed ERROR" per URL.
package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	for _, arg := range os.Args[1:] {
		url := strings.TrimPrefix(arg, "pin:")
		config := &tls.Config{}
		if url != arg {
			config.VerifyConnection = func(tls.ConnectionState) error { return errors.New("public key pin mismatch") }
		}
		client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: config}}
		response, err := client.Get(url)
		if err != nil {
			fmt.Println("failed", err)
			continue
		}
		io.Copy(io.Discard, response.Body)
		response.Body.Close()
		fmt.Println("ok", response.StatusCode)
	}
}
