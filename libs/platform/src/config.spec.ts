import { ConfigError, loadServiceConfig, parseInputRetention } from './config';

const DAY_MS = 86_400_000;

describe('how long processed input ids are kept (RESTOCK_PROCESSED_INPUTS_RETENTION)', () => {
  it('is as long as the topics need unless told otherwise', () => {
    expect(parseInputRetention(undefined)).toEqual({ kind: 'topics', atLeastMs: 0 });
    expect(parseInputRetention('')).toEqual({ kind: 'topics', atLeastMs: 0 });
    expect(parseInputRetention('topics')).toEqual({ kind: 'topics', atLeastMs: 0 });
  });

  it('takes forever, or a number of days as a minimum on top of what the topics need', () => {
    expect(parseInputRetention('forever')).toEqual({ kind: 'forever' });
    expect(parseInputRetention('90d')).toEqual({ kind: 'topics', atLeastMs: 90 * DAY_MS });
    expect(parseInputRetention(' 1d ')).toEqual({ kind: 'topics', atLeastMs: DAY_MS });
  });

  it.each(['0d', '-3d', '12', '7 days', '1.5d', '36501d', 'never'])('refuses %j with the setting named', (raw) => {
    expect(() => parseInputRetention(raw)).toThrow(ConfigError);
    expect(() => parseInputRetention(raw)).toThrow(/RESTOCK_PROCESSED_INPUTS_RETENTION/);
  });

  it('comes with the prune interval in the service configuration, which must be within bounds', () => {
    const config = loadServiceConfig('orders', { RESTOCK_PROCESSED_INPUTS_RETENTION: '30d', RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS: '60000' });
    expect(config.processedInputsRetention).toEqual({ kind: 'topics', atLeastMs: 30 * DAY_MS });
    expect(config.processedInputsPruneIntervalMs).toBe(60_000);
    expect(loadServiceConfig('orders', {}).processedInputsPruneIntervalMs).toBe(3_600_000);
    expect(() => loadServiceConfig('orders', { RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS: '10' })).toThrow(/RESTOCK_PROCESSED_INPUTS_PRUNE_INTERVAL_MS/);
  });
});

describe('how the outbox relay compresses what it publishes (RESTOCK_KAFKA_COMPRESSION)', () => {
  it('sends uncompressed unless told otherwise, and takes every codec Kafka has', () => {
    expect(loadServiceConfig('orders', {}).kafkaCompression).toBe('none');
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) expect(loadServiceConfig('orders', { RESTOCK_KAFKA_COMPRESSION: compression }).kafkaCompression).toBe(compression);
  });

  it('refuses another name as a configuration error naming the setting', () => {
    expect(() => loadServiceConfig('orders', { RESTOCK_KAFKA_COMPRESSION: 'lz5' })).toThrow(ConfigError);
    expect(() => loadServiceConfig('orders', { RESTOCK_KAFKA_COMPRESSION: 'lz5' })).toThrow(/RESTOCK_KAFKA_COMPRESSION: Kafka compression must be one of/);
  });
});

describe('whether the outbox relay packs internal topics (RESTOCK_KAFKA_PACKING)', () => {
  it('packs internal topics unless told otherwise', () => {
    expect(loadServiceConfig('orders', {}).kafkaPacking).toBe('internal');
    expect(loadServiceConfig('orders', { RESTOCK_KAFKA_PACKING: 'none' }).kafkaPacking).toBe('none');
  });

  it('refuses another value as a configuration error naming the setting', () => {
    expect(() => loadServiceConfig('orders', { RESTOCK_KAFKA_PACKING: 'all' })).toThrow(ConfigError);
    expect(() => loadServiceConfig('orders', { RESTOCK_KAFKA_PACKING: 'all' })).toThrow(/RESTOCK_KAFKA_PACKING: must be one of internal, none/);
  });
});
