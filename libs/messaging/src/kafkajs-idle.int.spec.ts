import { createKafka } from './kafka';
import { TEST_BROKERS } from '@restock/testing';

/**
 * patches/kafkajs+2.2.4.patch (applied by patch-package on install): kafkajs 2.2.4 re-armed a
 * timer with a negative delay on every connection with nothing pending, a 1 ms loop that kept an
 * idle service at about 6 % of a core (kafkajs issue #1556).
 */
describe('kafkajs as installed', () => {
  it('arms no timers on an idle connection', async () => {
    const kafka = createKafka({ brokers: TEST_BROKERS, clientId: 'idle-timers', topicPrefix: '' });
    const producer = kafka.producer();
    await producer.connect();
    const original = global.setTimeout;
    let armed = 0;
    global.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      armed += 1;
      return original(...args);
    }) as typeof setTimeout;
    try {
      await new Promise((resolve) => original(resolve, 300));
    } finally {
      global.setTimeout = original;
      await producer.disconnect();
    }
    // Unpatched, this counted one timer a millisecond (about 300 here).
    expect(armed).toBeLessThan(10);
  });
});
