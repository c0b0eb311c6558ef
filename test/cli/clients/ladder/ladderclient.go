// A Go client for the judgement ladder tests: `ladderclient CAFILE|- PIN|- URL...` fetches each URL in turn,
// in one process and over one kept-alive transport, through HTTPS_PROXY. CAFILE is trusted in its own code
// (RootCAs; "-": the system roots, which honour SSL_CERT_FILE); a URL written `pin:URL` is checked in
// VerifyPeerCertificate against PIN (SHA-256 of the leaf's DER, base64), as an app that pins its server does.
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	caFile, pin := os.Args[1], os.Args[2]
	config := &tls.Config{}
	if caFile != "-" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fmt.Println("failed", err)
			os.Exit(1)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		config.RootCAs = pool
	}
	pinned := config.Clone()
	pinned.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		sum := sha256.Sum256(raw[0])
		if base64.StdEncoding.EncodeToString(sum[:]) != pin {
			return errors.New("pin mismatch")
		}
		return nil
	}
	plain := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: config}}
	checked := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: pinned}}
	failed := false
	for _, arg := range os.Args[3:] {
		client, url := plain, arg
		if strings.HasPrefix(arg, "pin:") {
			client, url = checked, strings.TrimPrefix(arg, "pin:")
		}
		response, err := client.Get(url)
		if err != nil {
			fmt.Println("failed", err)
			failed = true
			continue
		}
		io.Copy(io.Discard, response.Body)
		response.Body.Close()
		fmt.Println("ok", response.StatusCode)
	}
	// Stays up a moment after failing, as an app does (a process gone at once cannot be attributed).
	time.Sleep(time.Second)
	if failed {
		os.Exit(1)
	}
}
