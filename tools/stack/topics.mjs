// Creates every Restock topic (and the dead-letter topic of each consumed one) on KAFKA_BROKERS,
// or on the broker ensureKafka finds. Idempotent; the one-shot job of docker-compose and k8s.
import { createTopics, ensureKafka, loadTopicSpecs } from './infra.mjs';

const brokers = await ensureKafka();
await createTopics(brokers, loadTopicSpecs());
