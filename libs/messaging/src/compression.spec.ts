import fc from 'fast-check';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressSync as rawSnappy, uncompressSync as rawUnsnappy } from 'snappy';
import { KAFKA_COMPRESSIONS, parseKafkaCompression, registerCompressionCodecs, snappyFramedCompress, snappyFramedDecompress } from './compression';

const XERIAL_HEADER = Buffer.from('82534e41505059000000000100000001', 'hex');
const BLOCK_BYTES_MAX = 32 * 1024;

/** The blocks of a framed snappy buffer, each decompressed on its own. */
function framedBlocks(framed: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let offset = 16; offset < framed.length; ) {
    const length = framed.readInt32BE(offset);
    blocks.push(rawUnsnappy(framed.subarray(offset + 4, offset + 4 + length)) as Buffer);
    offset += 4 + length;
  }
  return blocks;
}

/** Bytes that do not compress, from a seed (fast-check's own arrays of 100 KiB are slow to build). */
function noise(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed | 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Bytes that compress (repeated words) or not (noise), up to four snappy blocks long. */
const payloads = fc.oneof(
  fc.tuple(fc.nat({ max: 4 * BLOCK_BYTES_MAX + 7 }), fc.integer()).map(([length, seed]) => noise(length, seed)),
  fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.nat({ max: 5_000 })).map(([word, times]) => Buffer.from(word.repeat(times))),
);

describe('snappy as the Java client frames it', () => {
  it('gives back what it framed, in blocks of at most 32 KiB behind the Java client header', async () => {
    await fc.assert(
      fc.asyncProperty(payloads, async (payload) => {
        const framed = await snappyFramedCompress(payload);
        // Buffer.equals: Jest's toEqual walks a buffer of 100 KiB for seconds.
        expect(framed.subarray(0, 16).equals(XERIAL_HEADER)).toBe(true);
        const blocks = framedBlocks(framed);
        expect(blocks.every((block) => block.length > 0 && block.length <= BLOCK_BYTES_MAX)).toBe(true);
        expect(Buffer.concat(blocks).equals(payload)).toBe(true);
        expect((await snappyFramedDecompress(framed)).equals(payload)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('reads unframed snappy as one raw block', async () => {
    const payload = Buffer.from('a raw snappy block from a producer that does not frame '.repeat(20));
    expect(await snappyFramedDecompress(rawSnappy(payload) as Buffer)).toEqual(payload);
  });

  it('fails with the place where a framed buffer is cut short', async () => {
    const framed = await snappyFramedCompress(Buffer.from('x'.repeat(BLOCK_BYTES_MAX + 10)));
    await expect(snappyFramedDecompress(framed.subarray(0, framed.length - 3))).rejects.toThrow(/snappy frame truncated: a block of \d+ bytes at byte \d+ of \d+/);
    await expect(snappyFramedDecompress(Buffer.concat([framed, Buffer.from([0, 0])]))).rejects.toThrow(/snappy frame truncated: a block length at byte/);
  });
});

describe('the codecs kafkajs is given', () => {
  it('replace the three it lacks, and each gives back what it compressed', async () => {
    registerCompressionCodecs();
    const payload = Buffer.from(JSON.stringify({ specversion: '1.0', data: { sku: 'SKU-1', quantity: 3 } }).repeat(500));
    for (const type of [CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD] as const) {
      const codec = (CompressionCodecs[type] as () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> })();
      const compressed = await codec.compress({ buffer: payload });
      expect({ type, smaller: compressed.length < payload.length / 5 }).toEqual({ type, smaller: true });
      expect({ type, same: (await codec.decompress(compressed)).equals(payload) }).toEqual({ type, same: true });
    }
  });
});

describe('RESTOCK_KAFKA_COMPRESSION', () => {
  it('takes each codec name in any case, and the fallback when unset', () => {
    for (const compression of KAFKA_COMPRESSIONS) expect(parseKafkaCompression(` ${compression.toUpperCase()} `, 'none')).toBe(compression);
    expect(parseKafkaCompression(undefined, 'lz4')).toBe('lz4');
    expect(parseKafkaCompression('', 'snappy')).toBe('snappy');
  });

  it('names the codecs it knows when given another', () => {
    expect(() => parseKafkaCompression('brotli', 'none')).toThrow('Kafka compression must be one of none, gzip, snappy, lz4, zstd, got "brotli"');
  });
});
