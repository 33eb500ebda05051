import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..', '..');
const SOURCE = join(__dirname, 'java', 'JavaKafkaClient.java');
const JAVA_TIMEOUT_MS = 90_000;
const OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

/** A record as the Java consumer read it. */
export interface JavaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly value: string;
}

/** A record for the Java producer: physical topic, key and value. */
export interface JavaProducerRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
}

/**
 * Apache Kafka's own Java client, as other systems run it against Restock's topics (upstream
 * platforms producing, downstream systems consuming), run from source with the jars that
 * deploy/local-kafka fetches. Topics are physical names. Values must not hold newlines.
 */
export interface JavaKafkaClient {
  /** Sends the records, each topic's with its own producer and that `compression.type`. */
  produce(records: readonly JavaProducerRecord[], compressionByTopic: Readonly<Record<string, string>>): Promise<void>;
  /** Reads the topics from the beginning (read_committed) until `count` records are in. */
  consume(topics: readonly string[], count: number): Promise<JavaRecord[]>;
  /** What the broker stores of each topic on disk, every partition and log directory. */
  logBytes(topics: readonly string[]): Promise<Map<string, number>>;
}

/**
 * The Java client, or null where Java or Maven is missing (a broker in Docker): the tests that use
 * it are then skipped, except in CI (`CI=true`), where both are there to run the broker.
 */
export function javaKafkaClient(brokers: readonly string[]): JavaKafkaClient | null {
  let classpath: string;
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    classpath = execFileSync('bash', [join(REPO_ROOT, 'deploy', 'local-kafka', 'kafka.sh'), 'classpath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return null;
  }
  const java = async (command: 'produce' | 'consume' | 'log-bytes', args: readonly string[], input = ''): Promise<string[]> => {
    const child = run('java', ['-cp', classpath, SOURCE, command, brokers.join(','), ...args], { timeout: JAVA_TIMEOUT_MS, maxBuffer: OUTPUT_BYTES_MAX });
    child.child.stdin!.end(input);
    return (await child).stdout.split('\n').filter((line) => line.length > 0);
  };
  return {
    async produce(records, compressionByTopic) {
      const lines = records.map((record) => `${record.topic}\t${record.key}\t${record.value}\n`).join('');
      await java('produce', Object.entries(compressionByTopic).map(([topic, compression]) => `${topic}=${compression}`), lines);
    },
    async consume(topics, count) {
      return (await java('consume', [String(count), ...topics])).map((line) => {
        const [topic, partition, ...value] = line.split('\t');
        return { topic: topic!, partition: Number(partition), value: value.join('\t') };
      });
    },
    async logBytes(topics) {
      return new Map((await java('log-bytes', topics)).map((line) => line.split('\t')).map(([topic, bytes]) => [topic!, Number(bytes)]));
    },
  };
}
