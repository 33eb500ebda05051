import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Controller, DynamicModule, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { cloudEvent, deadLetterTopic, TOPICS } from '@restock/contracts';
import { ConcurrencyError, EVENT_STORE_MIGRATIONS } from '@restock/event-store';
import { ConsumedInput, KafkaBatchContext } from '@restock/messaging';
import { createTestDatabase, eventually, TestDatabase, testKafka, TestKafka } from '@restock/testing';
import { RunningService, startService } from './bootstrap';
import { loadServiceConfig, ServiceConfig } from './config';
import { PlatformModule } from './platform.module';

/** Fails with a version conflict more often than the retry limit for poison inputs, then succeeds. */
const CONFLICTS_BEFORE_SUCCESS = 6;
let conflicts = 0;

@Controller()
class ConflictingHandler {
  @EventPattern(TOPICS.warehouseEvents)
  async handle(@Payload() inputs: ConsumedInput[], @Ctx() context: KafkaBatchContext): Promise<void> {
    if (conflicts < CONFLICTS_BEFORE_SUCCESS) {
      conflicts += 1;
      throw new ConcurrencyError(['sku-contended']);
    }
    await context.transaction.query('INSERT INTO effects SELECT unnest($1::text[])', [inputs.map((input) => input.event.id)]);
  }
}

@Module({})
class ConflictModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return { module: ConflictModule, imports: [PlatformModule.forRoot(config)], controllers: [ConflictingHandler] };
  }
}

describe('errors thrown by a Kafka handler', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase('transport_errors');
    kafka = testKafka('transport-errors');
    const config = loadServiceConfig('inventory', process.env, { databaseUrl: db.url, topicPrefix: kafka.topicPrefix, port: 0, logLevel: 'fatal' });
    service = await startService(config, { module: ConflictModule.forRoot(config), migrations: [...EVENT_STORE_MIGRATIONS], consumer: { groupId: 'restock.conflicts' } });
    await asOwner((client) => client.query('CREATE TABLE inventory.effects (input_id text); GRANT SELECT, INSERT ON inventory.effects TO restock_inventory'));
  });

  async function asOwner<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  afterAll(async () => {
    await service?.close();
    await kafka.close();
    await db.drop();
  });

  it('reach the consumer as themselves, so a version conflict is retried instead of dead-lettered', async () => {
    const sku = `SKU-${randomUUID()}`;
    const event = cloudEvent({
      id: randomUUID(),
      source: 'test',
      type: 'GoodsReceived',
      time: '2026-12-01T10:00:00Z',
      data: { receiptId: 'R-1', sku, quantity: 1, warehouseId: 'WH-1', receivedAt: '2026-12-01T10:00:00Z' },
    });
    await kafka.publish(TOPICS.warehouseEvents, [{ key: sku, value: event }]);
    await eventually(async () => {
      const rows = await asOwner((client) => client.query('SELECT 1 FROM inventory.effects WHERE input_id = $1', [event.id]));
      return rows.rowCount === 1 ? true : undefined;
    }, 60_000);
    expect(conflicts).toBe(CONFLICTS_BEFORE_SUCCESS);
    await expect(kafka.readUntil(deadLetterTopic(TOPICS.warehouseEvents), (letters) => letters.length > 0, 3_000)).rejects.toThrow(/without meeting/);
  }, 90_000);
});
