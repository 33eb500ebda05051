import { TOPICS, TOPIC_SPECS, deadLetterTopic, topicNamesToCreate } from './topics';

describe('topics', () => {
  test('every topic has exactly one spec with six partitions', () => {
    expect(TOPIC_SPECS.map((spec) => spec.name).sort()).toEqual(Object.values(TOPICS).sort());
    expect(new Set(TOPIC_SPECS.map((spec) => spec.partitions))).toEqual(new Set([6]));
  });

  test('every consumed topic has a dead-letter topic and the outputs have none', () => {
    const withDeadLetters = TOPIC_SPECS.filter((spec) => spec.hasDeadLetterTopic).map((spec) => spec.name);
    expect(withDeadLetters.sort()).toEqual(
      Object.values(TOPICS)
        .filter((name) => name !== TOPICS.customerUpdates && name !== TOPICS.replenishment)
        .sort(),
    );
  });

  test('the order topics are keyed by order id and everything else by SKU', () => {
    const byOrder = TOPIC_SPECS.filter((spec) => spec.key === 'orderId').map((spec) => spec.name);
    expect(byOrder.sort()).toEqual([TOPICS.ecommerceOrders, TOPICS.customerUpdates].sort());
  });

  test('tooling creates each topic and each dead-letter topic once', () => {
    const names = topicNamesToCreate();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('warehouse.events.v1.dlq');
    expect(names).not.toContain('restock.customer-updates.v1.dlq');
    expect(names).toHaveLength(11 + 9);
  });

  test('a dead-letter topic is the topic name with .dlq', () => {
    expect(deadLetterTopic('ecommerce.orders.v1')).toBe('ecommerce.orders.v1.dlq');
  });
});
