import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { CompressionCodecs, CompressionTypes, KafkaJSNonRetriableError } from 'kafkajs';
import { cloudEvent, TOPICS } from '@restock/contracts';
import { EVENT_STORE_MIGRATIONS } from '@restock/event-store';
import { HandlerOutcome } from '@restock/messaging';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { RunningService, startService } from './bootstrap';
import { loadServiceConfig } from './config';
import { PlatformModule } from './platform.module';

const TOPIC = TOPICS.warehouseEvents;

interface Readiness {
  readonly status: number;
  readonly body: { status: string; checks: Record<string, string> };
}

async function readiness(service: RunningService): Promise<Readiness> {
  const response = await fetch(`${service.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

describe('GET /health/ready', () => {
  let testDb: TestDatabase;
  let kafka: TestKafka;

  beforeAll(async () => {
    testDb = await createTestDatabase('health');
    kafka = testKafka('health');
  });

  afterAll(async () => {
    await kafka.close();
    await testDb.drop();
  });

  function configFor(schema: string) {
    return loadServiceConfig('inventory', { ...process.env, RESTOCK_OPERATOR_TOKEN: '' }, { databaseUrl: testDb.url, topicPrefix: kafka.topicPrefix, port: 0, schema, logLevel: 'fatal' });
  }

  it('has no consumer check for a service without a consumer', async () => {
    const config = configFor('health_bare');
    @Module({ imports: [PlatformModule.forRoot(config)] })
    class BareModule {}
    const service = await startService(config, { module: BareModule, migrations: [...EVENT_STORE_MIGRATIONS] });
    try {
      expect(await readiness(service)).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'up', kafka: 'up' } } });
    } finally {
      await service.close();
    }
  }, 30_000);

  it('answers 503 while the consumer is restarting after a crash kafkajs does not retry, and 200 once it consumes again', async () => {
    const handled: string[] = [];
    @Controller()
    class WarehouseEvents {
      @EventPattern(TOPIC)
      handle(inputs: { event: { id: string } }[]): HandlerOutcome {
        handled.push(...inputs.map((input) => input.event.id));
        return {};
      }
    }
    const config = configFor('health_consuming');
    @Module({ imports: [PlatformModule.forRoot(config)], controllers: [WarehouseEvents] })
    class ConsumingModule {}
    const service = await startService(config, { module: ConsumingModule, migrations: [...EVENT_STORE_MIGRATIONS], consumer: { groupId: `restock.health-${randomUUID()}` } });
    // The service registers its codecs when it starts; only then can the test break zstd's.
    const zstd = CompressionCodecs[CompressionTypes.ZSTD];
    try {
      const ready = await eventually(async () => {
        const answer = await readiness(service);
        return answer.status === 200 ? answer : undefined;
      }, 30_000);
      expect(ready.body.checks).toEqual({ postgres: 'up', kafka: 'up', consumer: 'up' });

      // Until the test says otherwise, a zstd batch fails as a batch kafkajs cannot decode does: a crash loop.
      let undecodable = true;
      CompressionCodecs[CompressionTypes.ZSTD] = () => ({
        ...zstd(),
        decompress: (buffer: Buffer) => (undecodable ? Promise.reject(new KafkaJSNonRetriableError('undecodable batch')) : zstd().decompress(buffer)),
      });
      const event = goodsReceived();
      await publishZstd(event);
      const restarting = await eventually(async () => {
        const answer = await readiness(service);
        return answer.body.checks['consumer'] === 'restarting' ? answer : undefined;
      }, 30_000);
      expect(restarting).toEqual({ status: 503, body: { status: 'unavailable', checks: { postgres: 'up', kafka: 'up', consumer: 'restarting' } } });

      undecodable = false;
      const consuming = await eventually(async () => {
        const answer = await readiness(service);
        return answer.status === 200 ? answer : undefined;
      }, 30_000);
      expect(consuming).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'up', kafka: 'up', consumer: 'up' } } });
      await eventually(async () => (handled.includes(event.id) ? true : undefined), 30_000);
    } finally {
      CompressionCodecs[CompressionTypes.ZSTD] = zstd;
      await service.close();
    }
  }, 90_000);

  function goodsReceived() {
    const sku = `SKU-${randomUUID()}`;
    return cloudEvent({
      id: randomUUID(),
      source: 'test/warehouse',
      type: 'GoodsReceived',
      time: '2026-12-01T10:00:00Z',
      data: { receiptId: randomUUID(), sku, quantity: 1, warehouseId: 'WH-1', receivedAt: '2026-12-01T10:00:00Z' },
    });
  }

  async function publishZstd(event: ReturnType<typeof goodsReceived>): Promise<void> {
    const producer = kafka.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: kafka.namer.physical(TOPIC), acks: -1, compression: CompressionTypes.ZSTD, messages: [{ key: event.data.sku, value: JSON.stringify(event) }] });
    } finally {
      await producer.disconnect();
    }
  }
});
