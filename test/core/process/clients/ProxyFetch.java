// A Java HTTPS client for the attribution tests, run in source-file mode: `java ProxyFetch.java URL...`
// fetches each URL through the https.proxyHost/https.proxyPort proxy with Java's default trust (cacerts,
// or -Djavax.net.ssl.trustStore) and prints "ok STATUS" or "failed ERROR" per URL.
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

public class ProxyFetch {
  public static void main(String[] args) {
    for (String arg : args) {
      try {
        HttpsURLConnection connection = (HttpsURLConnection) new URL(arg).openConnection();
        connection.setConnectTimeout(20000);
        connection.setReadTimeout(20000);
        int status = connection.getResponseCode();
        connection.getInputStream().readAllBytes();
        System.out.println("ok " + status);
      } catch (Exception error) {
        System.out.println("failed " + error);
      }
    }
  }
}
