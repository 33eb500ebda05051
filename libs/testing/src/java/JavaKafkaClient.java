import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Apache Kafka's own Java client, as other systems run it against Restock's topics. Run from source
 * (`java -cp <kafka.sh classpath> JavaKafkaClient.java ...`; libs/testing/src/java-kafka-client.ts runs it), so no build step is needed.
 *
 *   produce BROKERS TOPIC=COMPRESSION...   reads "topic TAB key TAB value" lines from stdin and sends
 *                                          each to its topic with that topic's compression.type
 *   consume BROKERS COUNT TOPIC...         prints "topic TAB partition TAB value" lines until COUNT were read
 *                                          (exit 3 after 30 s without them)
 *   log-bytes BROKERS TOPIC...             prints "topic TAB bytes": what the broker stores of each
 *                                          topic on disk, every partition and log directory
 */
public class JavaKafkaClient {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  public static void main(String[] args) throws Exception {
    if (args.length >= 3 && args[0].equals("produce")) produce(args);
    else if (args.length >= 4 && args[0].equals("consume")) consume(args);
    else if (args.length >= 3 && args[0].equals("log-bytes")) logBytes(args);
    else {
      System.err.println("usage: produce BROKERS TOPIC=COMPRESSION... | consume BROKERS COUNT TOPIC... | log-bytes BROKERS TOPIC...");
      System.exit(2);
    }
  }

  private static void produce(String[] args) throws Exception {
    Map<String, KafkaProducer<String, String>> producers = new HashMap<>();
    for (int i = 2; i < args.length; i++) {
      String[] topicAndCompression = args[i].split("=", 2);
      Properties properties = new Properties();
      properties.put("bootstrap.servers", args[1]);
      properties.put("compression.type", topicAndCompression[1]);
      properties.put("linger.ms", "20");
      properties.put("max.block.ms", "15000");
      properties.put("key.serializer", StringSerializer.class.getName());
      properties.put("value.serializer", StringSerializer.class.getName());
      producers.put(topicAndCompression[0], new KafkaProducer<>(properties));
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] fields = line.split("\t", 3);
      producers.get(fields[0]).send(new ProducerRecord<>(fields[0], fields[1], fields[2]));
    }
    for (KafkaProducer<String, String> producer : producers.values()) producer.close();
  }

  private static void consume(String[] args) {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", args[1]);
    properties.put("group.id", "java-client-" + System.nanoTime());
    properties.put("auto.offset.reset", "earliest");
    properties.put("isolation.level", "read_committed");
    properties.put("key.deserializer", StringDeserializer.class.getName());
    properties.put("value.deserializer", StringDeserializer.class.getName());
    int wanted = Integer.parseInt(args[2]);
    int read = 0;
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      consumer.subscribe(List.of(args).subList(3, args.length));
      while (read < wanted) {
        if (System.nanoTime() > deadline) {
          System.err.println("read " + read + " of " + wanted + " records in " + READ_TIMEOUT.toSeconds() + " s");
          System.exit(3);
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          System.out.println(record.topic() + "\t" + record.partition() + "\t" + record.value());
          read++;
        }
      }
    }
  }

  private static void logBytes(String[] args) throws Exception {
    Properties properties = new Properties();
    properties.put("bootstrap.servers", args[1]);
    try (Admin admin = Admin.create(properties)) {
      List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
      Map<String, Long> bytes = new HashMap<>();
      for (int i = 2; i < args.length; i++) bytes.put(args[i], 0L);
      for (Map<String, LogDirDescription> directories : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
        for (LogDirDescription directory : directories.values()) {
          for (Map.Entry<TopicPartition, ReplicaInfo> replica : directory.replicaInfos().entrySet()) {
            bytes.computeIfPresent(replica.getKey().topic(), (topic, sum) -> sum + replica.getValue().size());
          }
        }
      }
      for (int i = 2; i < args.length; i++) System.out.println(args[i] + "\t" + bytes.get(args[i]));
    }
  }
}
