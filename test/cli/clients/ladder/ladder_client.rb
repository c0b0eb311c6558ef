# A Ruby client for the judgement ladder tests: `ruby ladder_client.rb PROXY_URL HOST CAFILE|- PIN|-` opens a
# CONNECT tunnel, trusts CAFILE in its own code (ca_file; "-": the default paths, which honour SSL_CERT_FILE),
# completes the handshake, then checks a pin on the peer's certificate, as an app that pins after it does.
require 'socket'
require 'openssl'
require 'base64'
require 'uri'

proxy = URI(ARGV[0])
host, cafile, pin = ARGV[1], ARGV[2], ARGV[3]
raw = TCPSocket.new(proxy.host, proxy.port)
raw.write("CONNECT #{host}:443 HTTP/1.1\r\nHost: #{host}:443\r\n\r\n")
answer = +''
answer << raw.readpartial(1) until answer.end_with?("\r\n\r\n")
context = OpenSSL::SSL::SSLContext.new
context.verify_mode = OpenSSL::SSL::VERIFY_PEER
if cafile == '-'
  context.cert_store = OpenSSL::X509::Store.new.tap(&:set_default_paths)
else
  context.ca_file = cafile
end
tls = OpenSSL::SSL::SSLSocket.new(raw, context)
tls.hostname = host
tls.sync_close = true
begin
  tls.connect
rescue StandardError => e
  puts "failed #{e}"
  exit 1
end
if pin != '-' && Base64.strict_encode64(OpenSSL::Digest::SHA256.digest(tls.peer_cert.to_der)) != pin
  puts 'failed pin mismatch'
  tls.close
  exit 1
end
tls.write("GET /hello HTTP/1.1\r\nHost: #{host}\r\nConnection: close\r\n\r\n")
puts "ok #{tls.gets}"
tls.close
