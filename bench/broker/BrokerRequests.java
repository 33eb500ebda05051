import com.sun.tools.attach.VirtualMachine;
import java.util.Map;
import java.util.TreeMap;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Prints a local broker's request counts by API and the bytes and messages written to each topic,
 * read over JMX from its running JVM (the JDK's attach API starts a local JMX agent in it; the
 * broker needs no JMX port). Counts are totals since the broker started: take one reading before
 * a benchmark phase and one after, and subtract (see docs/benchmarks.md, tenth pass).
 *
 *   java bench/broker/BrokerRequests.java "$(cat ~/.cache/restock/kafka-state/kafka.pid)" > before.txt
 */
public class BrokerRequests {
  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    String address = vm.startLocalManagementAgent();
    vm.detach();
    MBeanServerConnection jmx = JMXConnectorFactory.connect(new JMXServiceURL(address)).getMBeanServerConnection();
    Map<String, Long> counts = new TreeMap<>();
    for (ObjectName name : jmx.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
      counts.merge("requests " + name.getKeyProperty("request"), (Long) jmx.getAttribute(name, "Count"), Long::sum);
    }
    for (ObjectName name : jmx.queryNames(new ObjectName("kafka.server:type=BrokerTopicMetrics,*"), null)) {
      String metric = name.getKeyProperty("name");
      if (!metric.equals("BytesInPerSec") && !metric.equals("MessagesInPerSec")) continue;
      String topic = name.getKeyProperty("topic");
      try {
        counts.put((topic == null ? "all topics" : "topic " + topic) + " " + metric, (Long) jmx.getAttribute(name, "Count"));
      } catch (InstanceNotFoundException deleted) {
        // The topic was deleted between the query and the read (another run's clean-up): it has no count to give.
      }
    }
    for (Map.Entry<String, Long> entry : counts.entrySet()) System.out.println(entry.getKey() + "\t" + entry.getValue());
  }
}
