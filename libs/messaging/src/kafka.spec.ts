import { LogEntry, logLevel } from 'kafkajs';
import { createKafka, kafkaLogLine } from './kafka';

function entry(level: logLevel, namespace: string, message: string, extra: Record<string, unknown> = {}): LogEntry {
  return { namespace, level, label: String(level), log: { timestamp: '2026-11-27T21:00:00.000Z', logger: 'kafkajs', message, ...extra } };
}

describe("kafkajs's log lines", () => {
  it("are shaped like the services' pino lines: numeric level, time in ms, the service's fields, the entry's own fields", () => {
    const line = kafkaLogLine(entry(logLevel.ERROR, 'Consumer', 'Crash: boom', { groupId: 'restock.orders' }), { service: 'orders', instance: 'orders-1' });
    expect(JSON.parse(line!)).toEqual({
      level: 50,
      time: Date.parse('2026-11-27T21:00:00.000Z'),
      service: 'orders',
      instance: 'orders-1',
      logger: 'kafkajs',
      namespace: 'Consumer',
      msg: 'Crash: boom',
      groupId: 'restock.orders',
    });
  });

  it.each([
    [logLevel.WARN, 40],
    [logLevel.INFO, 30],
    [logLevel.DEBUG, 20],
  ])('give kafkajs level %s the pino level %s', (level, pino) => {
    expect(JSON.parse(kafkaLogLine(entry(level, 'Producer', 'x'))!)).toMatchObject({ level: pino });
  });

  it('make a send that kafkajs retries a warning, and any other producer error an error', () => {
    const retried = 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    expect(JSON.parse(kafkaLogLine(entry(logLevel.ERROR, 'Producer', retried, { retryCount: 0, retryTime: 18 }))!)).toMatchObject({ level: 40, retryCount: 0, retryTime: 18 });
    expect(JSON.parse(kafkaLogLine(entry(logLevel.ERROR, 'Producer', 'The broker rejected the message'))!)).toMatchObject({ level: 50 });
  });

  it('leave out connection errors, which the client retries and reports to its caller when it gives up', () => {
    expect(kafkaLogLine(entry(logLevel.ERROR, 'Connection', 'Connection error: ECONNREFUSED'))).toBeNull();
  });

  it("are what a client from createKafka writes to stderr, with the settings' fields", () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', topicPrefix: '', logFields: { service: 'catalog' } });
      kafka.logger().error('something failed', { topic: 't' });
      kafka.logger().info('not at the client level');
    } finally {
      spy.mockRestore();
    }
    expect(written.map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ level: 50, service: 'catalog', msg: 'something failed', topic: 't' })]);
  });
});
