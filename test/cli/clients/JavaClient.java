import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

/**
 * A Java HTTPS client with Java's default trust store: `JavaClient URL PROXY_PORT` through that proxy,
 * `JavaClient URL` through whatever the JVM's system properties say (as `pinscope run` sets them).
 */
public class JavaClient {
  public static void main(String[] args) throws Exception {
    URL url = new URL(args[0]);
    HttpsURLConnection connection = args.length > 1
      ? (HttpsURLConnection) url.openConnection(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]))))
      : (HttpsURLConnection) url.openConnection();
    connection.setConnectTimeout(10000);
    connection.setReadTimeout(10000);
    try {
      System.out.println("status " + connection.getResponseCode());
    } catch (Exception error) {
      System.out.println("failed " + error);
      System.exit(1);
    }
  }
}
