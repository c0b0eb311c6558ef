import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** java.net.http (HTTP/2 when offered): Get URL PROXY_PORT [CA_PEM]. Without CA_PEM, Java's default trust store. */
public class Get {
  public static void main(String[] args) throws Exception {
    HttpClient.Builder builder = HttpClient.newBuilder()
      .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))))
      .connectTimeout(Duration.ofSeconds(10));
    if (args.length > 2) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      try (FileInputStream in = new FileInputStream(args[2])) {
        store.setCertificateEntry("pinscope", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      builder.sslContext(context);
    }
    try {
      HttpResponse<String> response = builder.build().send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
      System.out.println("ok " + response.statusCode() + " " + response.version());
    } catch (Exception error) {
      System.out.println("failed " + error);
      System.exit(1);
    }
  }
}
