import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;

/**
 * Java RMI client for the sepflow lab: lists the names bound in an RMI registry (JRMP handshake, one
 * Registry.list() call, the registry's answer), from a fixed local address and port, then exits.
 *
 * usage: java -cp DIR RmiList REGISTRY_HOST REGISTRY_PORT LOCAL_ADDRESS LOCAL_PORT
 */
public class RmiList {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    InetAddress local = InetAddress.getByName(args[2]);
    int localPort = Integer.parseInt(args[3]);
    RMIClientSocketFactory bound = (h, p) -> {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(local, localPort));
      s.connect(new InetSocketAddress(h, p), 4000);
      return s;
    };
    Registry registry = LocateRegistry.getRegistry(host, port, bound);
    String[] names = registry.list();
    System.out.println("registry " + host + ":" + port + " lists " + names.length + " name(s)");
    System.exit(0);
  }
}
