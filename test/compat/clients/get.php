<?php
// PHP's https stream wrapper through a proxy: php get.php URL PROXY_PORT [CA_PEM]; without CA_PEM, the system's roots.
[$self, $url, $port] = $argv;
$ssl = ['verify_peer' => true, 'verify_peer_name' => true];
if (isset($argv[3])) $ssl['cafile'] = $argv[3];
$context = stream_context_create(['http' => ['proxy' => "tcp://127.0.0.1:$port", 'request_fulluri' => false, 'timeout' => 15], 'ssl' => $ssl]);
$body = @file_get_contents($url, false, $context);
if ($body === false) { echo 'failed ', error_get_last()['message'] ?? 'unknown', "\n"; exit(1); }
echo 'ok ', explode(' ', $http_response_header[0])[1], " HTTP/1.1\n";
