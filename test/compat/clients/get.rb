# Net::HTTP through a proxy: ruby get.rb URL PROXY_PORT [CA_PEM]; without CA_PEM, the system's roots.
require 'net/http'
require 'openssl'
url, port, cafile = ARGV
uri = URI(url)
http = Net::HTTP.new(uri.host, uri.port, '127.0.0.1', port.to_i)
http.use_ssl = true
http.verify_mode = OpenSSL::SSL::VERIFY_PEER
http.ca_file = cafile if cafile
http.open_timeout = 10
http.read_timeout = 15
begin
  response = http.request(Net::HTTP::Get.new(uri))
  puts "ok #{response.code} HTTP/#{response.http_version}"
rescue StandardError => e
  puts "failed #{e.class}: #{e.message}"
  exit 1
end
