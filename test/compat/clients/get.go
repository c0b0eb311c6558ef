// A stdlib Go HTTPS client, as gh, kubectl or terraform are: the proxy from HTTPS_PROXY, the roots from
// the system or SSL_CERT_FILE. Prints "ok <status> <protocol>" or "failed <error>".
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	client := &http.Client{Timeout: 15 * time.Second}
	response, err := client.Get(os.Args[1])
	if err != nil {
		fmt.Println("failed", err)
		os.Exit(1)
	}
	defer response.Body.Close()
	io.Copy(io.Discard, response.Body)
	fmt.Println("ok", response.StatusCode, response.Proto)
}
