// A Go TLS client for the attribution tests: `tlsclient HOST:PORT [COUNT]` dials COUNT times (default 1)
// with Go's default verification (the OS trust store) and prints "ok" or the error for each attempt.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
)

func main() {
	count := 1
	if len(os.Args) > 2 {
		count, _ = strconv.Atoi(os.Args[2])
	}
	failed := false
	for i := 0; i < count; i++ {
		conn, err := tls.Dial("tcp", os.Args[1], &tls.Config{ServerName: "localhost"})
		if err != nil {
			fmt.Println("failed", err)
			failed = true
			continue
		}
		fmt.Println("ok")
		conn.Close()
	}
	if failed {
		os.Exit(1)
	}
}
