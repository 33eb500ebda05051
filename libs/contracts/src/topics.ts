export const TOPICS = {
  ecommerceOrders: 'ecommerce.orders.v1',
  purchaseOrders: 'purchasing.purchase-orders.v1',
  warehouseEvents: 'warehouse.events.v1',
  customerUpdates: 'restock.customer-updates.v1',
  replenishment: 'restock.replenishment.v1',
  catalogEvents: 'restock.catalog.events.v1',
  supplyEvents: 'restock.supply.events.v1',
  inventoryEvents: 'restock.inventory.events.v1',
  orderEvents: 'restock.orders.events.v1',
  fulfillmentEvents: 'restock.fulfillment.events.v1',
  fulfillmentLedger: 'restock.fulfillment.ledger.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const DEAD_LETTER_SUFFIX = '.dlq';

// Every topic is keyed by SKU or by order id, so six partitions let six consumer instances share
// the load while keeping all facts about one key in one partition.
export const TOPIC_PARTITIONS = 6;

export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

export type TopicRole = 'input' | 'output' | 'internal';

export interface TopicSpec {
  readonly name: TopicName;
  readonly role: TopicRole;
  readonly partitions: number;
  readonly key: 'orderId' | 'sku';
  readonly keyMeaning: string;
  // Restock dead-letters what it cannot process on every topic it consumes.
  readonly hasDeadLetterTopic: boolean;
}

const SKU_KEY = 'the SKU, so every fact about one SKU meets in one partition';
const ORDER_KEY = 'the order id, so one order\'s messages stay in order';

export const TOPIC_SPECS: readonly TopicSpec[] = [
  spec(TOPICS.ecommerceOrders, 'input', 'orderId', ORDER_KEY),
  spec(TOPICS.purchaseOrders, 'input', 'sku', SKU_KEY),
  spec(TOPICS.warehouseEvents, 'input', 'sku', SKU_KEY),
  spec(TOPICS.customerUpdates, 'output', 'orderId', ORDER_KEY),
  spec(TOPICS.replenishment, 'output', 'sku', SKU_KEY),
  spec(TOPICS.catalogEvents, 'internal', 'sku', SKU_KEY),
  spec(TOPICS.supplyEvents, 'internal', 'sku', SKU_KEY),
  spec(TOPICS.inventoryEvents, 'internal', 'sku', SKU_KEY),
  spec(TOPICS.orderEvents, 'internal', 'sku', `${SKU_KEY} (order demand re-keyed from the order id)`),
  spec(TOPICS.fulfillmentEvents, 'internal', 'sku', SKU_KEY),
  spec(TOPICS.fulfillmentLedger, 'internal', 'sku', SKU_KEY),
];

function spec(name: TopicName, role: TopicRole, key: TopicSpec['key'], keyMeaning: string): TopicSpec {
  return { name, role, partitions: TOPIC_PARTITIONS, key, keyMeaning, hasDeadLetterTopic: role !== 'output' };
}

// Tooling creates these: every topic plus the dead-letter topic of each consumed one, which keeps
// the original key and therefore the same partition count.
export function topicNamesToCreate(): string[] {
  return TOPIC_SPECS.flatMap((topic) =>
    topic.hasDeadLetterTopic ? [topic.name, deadLetterTopic(topic.name)] : [topic.name],
  );
}
