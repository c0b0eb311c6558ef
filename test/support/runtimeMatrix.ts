/**
 * One HTTPS request per runtime that .ci/run installs, each a real client run as its own process with
 * nothing but the environment to route it: the matrix the proxied terminal, `pinscope run` and their
 * tests share. Java and Go are compiled once into a cache directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RuntimeCase {
  /** Also the first label of the host it requests: `<prefix><name>.example.test`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const CACHE = join(tmpdir(), 'pinscope-runtime-clients-v1');

const JAVA_SOURCE = `import java.net.URL;
import java.net.HttpURLConnection;
public class RoutedClient {
  public static void main(String[] args) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) new URL(args[0]).openConnection();
    connection.setConnectTimeout(15000);
    connection.setReadTimeout(15000);
    System.out.println(new String(connection.getInputStream().readAllBytes()));
  }
}
`;

const GO_SOURCE = `package main

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
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(response.Body)
	fmt.Print(string(body))
}
`;

const NODE_HTTPS =
  "require('https').get(process.argv[1], (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(r.statusCode, b)); }).on('error', (e) => { console.error(e.message); process.exit(1); })";
const NODE_FETCH =
  'fetch(process.argv[1]).then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(e.message, e.cause && e.cause.message); process.exit(1); })';

/** Compiles the Java and Go clients (and writes the PHP script) once (kept in the temp directory between runs). */
function compiledClients(): { javaClassPath: string; goBinary: string; phpScript: string } {
  mkdirSync(CACHE, { recursive: true });
  const javaClass = join(CACHE, 'RoutedClient.class');
  if (!existsSync(javaClass)) {
    writeFileSync(join(CACHE, 'RoutedClient.java'), JAVA_SOURCE);
    execFileSync('javac', ['-d', CACHE, join(CACHE, 'RoutedClient.java')], { stdio: 'pipe', env: cleanEnv() });
  }
  const goBinary = join(CACHE, 'routed-go-client');
  if (!existsSync(goBinary)) {
    writeFileSync(join(CACHE, 'main.go'), GO_SOURCE);
    execFileSync('go', ['build', '-o', goBinary, join(CACHE, 'main.go')], {
      stdio: 'pipe',
      env: { ...cleanEnv(), GOCACHE: join(CACHE, 'go-cache'), GO111MODULE: 'off' },
    });
  }
  // A script file: PHP applies auto_prepend_file (how Pinscope routes its streams) to scripts, not to `php -r`.
  const phpScript = join(CACHE, 'routed-client.php');
  if (!existsSync(phpScript)) writeFileSync(phpScript, '<?php echo file_get_contents($argv[1]);\n');
  return { javaClassPath: CACHE, goBinary, phpScript };
}

/** The environment without anything Pinscope or the test sets, for the compilers. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'JAVA_TOOL_OPTIONS' && name !== 'NODE_OPTIONS'));
}

/** `prefix` goes in front of each host name, so that runs in several places record distinct hosts. */
export function runtimeCases(prefix = ''): RuntimeCase[] {
  const { javaClassPath, goBinary, phpScript } = compiledClients();
  const url = (name: string): string => `https://${prefix}${name}.example.test/hello`;
  return [
    { name: 'node-https', command: 'node', args: ['-e', NODE_HTTPS, url('node-https')] },
    { name: 'node-fetch', command: 'node', args: ['-e', NODE_FETCH, url('node-fetch')] },
    {
      name: 'python-requests',
      command: '/usr/bin/python3',
      args: ['-c', 'import requests, sys; print(requests.get(sys.argv[1], timeout=15).text)', url('python-requests')],
    },
    {
      name: 'python-urllib',
      command: '/usr/bin/python3',
      args: [
        '-c',
        'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=15).read().decode())',
        url('python-urllib'),
      ],
    },
    { name: 'java', command: 'java', args: ['-cp', javaClassPath, 'RoutedClient', url('java')] },
    { name: 'go', command: goBinary, args: [url('go')] },
    { name: 'curl', command: 'curl', args: ['-sS', '--max-time', '15', url('curl')] },
    { name: 'wget', command: 'wget', args: ['-q', '-O', '-', '--timeout=15', url('wget')] },
    { name: 'ruby', command: 'ruby', args: ['-e', "require 'net/http'; puts Net::HTTP.get(URI(ARGV[0]))", url('ruby')] },
    { name: 'php', command: 'php', args: [phpScript, url('php')] },
  ];
}

/**
 * CA and proxy variables as a managed machine might already have them: pointing at the system bundle
 * (which lacks the Pinscope CA) and at a proxy that is not Pinscope. The routed environment must win.
 */
export const CONFLICTING_ENVIRONMENT: Readonly<Record<string, string>> = {
  HTTPS_PROXY: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
  REQUESTS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
  CURL_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt',
  PIP_CERT: '/etc/ssl/certs/ca-certificates.crt',
  HTTPLIB2_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '/etc/ssl/certs/ca-certificates.crt',
  NIX_SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
  NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  JAVA_TOOL_OPTIONS: '-Djavax.net.ssl.trustStore=/etc/ssl/certs/java/cacerts -Xss2m',
  NODE_OPTIONS: '--max-old-space-size=512',
};
