// A Java client for the judgement ladder tests, run in source-file mode:
// `java LadderClient.java PROXY_URL HOST CAFILE|- PIN|-` opens a CONNECT tunnel, trusts CAFILE through a
// key store built in its own code ("-": the default SSLContext, which honours -Djavax.net.ssl.trustStore),
// completes the handshake, then checks a pin on the peer's certificate, as an app that pins after it does.
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class LadderClient {
  public static void main(String[] args) throws Exception {
    URI proxy = URI.create(args[0]);
    String host = args[1], caFile = args[2], pin = args[3];
    SSLContext context;
    if (caFile.equals("-")) {
      context = SSLContext.getDefault();
    } else {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      try (InputStream in = new FileInputStream(caFile)) {
        store.setCertificateEntry("pinscope", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
    }
    Socket raw = new Socket(proxy.getHost(), proxy.getPort());
    raw.getOutputStream().write(("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n").getBytes());
    InputStream in = raw.getInputStream();
    String tail = "";
    while (!tail.endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("the proxy closed the tunnel");
      tail = (tail + (char) b);
      if (tail.length() > 4) tail = tail.substring(tail.length() - 4);
    }
    SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, host, 443, true);
    try {
      tls.startHandshake();
    } catch (IOException error) {
      System.out.println("failed " + error);
      System.exit(1);
    }
    byte[] leaf = tls.getSession().getPeerCertificates()[0].getEncoded();
    if (!pin.equals("-") && !Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(leaf)).equals(pin)) {
      System.out.println("failed pin mismatch");
      tls.close();
      System.exit(1);
    }
    tls.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes());
    System.out.println("ok " + new String(tls.getInputStream().readNBytes(12)));
    tls.close();
  }
}
