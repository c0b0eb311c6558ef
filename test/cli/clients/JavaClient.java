import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

/** A Java HTTPS client through the proxy, with Java's default trust store: JavaClient URL PROXY_PORT. */
public class JavaClient {
  public static void main(String[] args) throws Exception {
    Proxy proxy = new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])));
    HttpsURLConnection connection = (HttpsURLConnection) new URL(args[0]).openConnection(proxy);
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
