import { CompressionCodecs, CompressionTypes } from 'kafkajs';

/**
 * kafkajs reads and writes only gzip. Upstream producers may compress with any codec Kafka has
 * (the Java client's `compression.type`), and a batch kafkajs cannot decompress crashes the consumer
 * for good: the partition stops. So every service registers the other three before it connects.
 */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const COMPRESSION_TYPES: Readonly<Record<KafkaCompression, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export const KAFKA_COMPRESSIONS = Object.keys(COMPRESSION_TYPES) as readonly KafkaCompression[];

export function compressionType(compression: KafkaCompression): CompressionTypes {
  return COMPRESSION_TYPES[compression];
}

export function parseKafkaCompression(raw: string | undefined, fallback: KafkaCompression): KafkaCompression {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return fallback;
  const known = KAFKA_COMPRESSIONS.find((compression) => compression === value);
  if (known === undefined) throw new Error(`Kafka compression must be one of ${KAFKA_COMPRESSIONS.join(', ')}, got ${JSON.stringify(raw)}`);
  return known;
}

/**
 * The native codecs are loaded when a batch first needs one, not when a service starts: a platform
 * without a prebuilt binary for one of them then runs, and fails only on a batch in that codec (the
 * consumer's crash names the missing module), as it did before any codec but gzip was registered.
 */
function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

const snappy = onFirstUse(() => import('snappy'));
const lz4 = onFirstUse(() => import('lz4-napi'));
const zstd = onFirstUse(() => import('@mongodb-js/zstd'));

/**
 * The Java client (snappy-java's SnappyOutputStream) frames snappy data: a 16-byte header, then
 * blocks of at most 32 KiB before compression, each prefixed by its compressed length. librdkafka
 * reads and writes the same framing. Unframed data is read as one raw snappy block.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_BYTES_MAX = 32 * 1024;

export async function snappyFramedCompress(data: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  const { compress } = await snappy();
  const parts: Buffer[] = [header];
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_BYTES_MAX) {
    const block = await compress(data.subarray(start, start + XERIAL_BLOCK_BYTES_MAX));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export async function snappyFramedDecompress(data: Buffer): Promise<Buffer> {
  const { uncompress } = await snappy();
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return (await uncompress(data)) as Buffer;
  const parts: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < data.length) {
    if (offset + 4 > data.length) throw new Error(`snappy frame truncated: a block length at byte ${offset} of ${data.length}`);
    const length = data.readInt32BE(offset);
    offset += 4;
    if (length < 0 || offset + length > data.length) throw new Error(`snappy frame truncated: a block of ${length} bytes at byte ${offset} of ${data.length}`);
    parts.push((await uncompress(data.subarray(offset, offset + length))) as Buffer);
    offset += length;
  }
  return Buffer.concat(parts);
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const CODECS: Readonly<Partial<Record<CompressionTypes, () => Codec>>> = {
  [CompressionTypes.Snappy]: () => ({ compress: (encoder) => snappyFramedCompress(encoder.buffer), decompress: snappyFramedDecompress }),
  // Kafka's LZ4 is the standard LZ4 frame format (since message format 2, with a correct header checksum).
  [CompressionTypes.LZ4]: () => ({
    compress: async (encoder) => (await lz4()).compressFrame(encoder.buffer),
    decompress: async (buffer) => (await lz4()).decompressFrame(buffer),
  }),
  [CompressionTypes.ZSTD]: () => ({
    compress: async (encoder) => (await zstd()).compress(encoder.buffer),
    decompress: async (buffer) => (await zstd()).decompress(buffer),
  }),
};

/** Makes every Kafka compression codec available to kafkajs in this process. Idempotent. */
export function registerCompressionCodecs(): void {
  Object.assign(CompressionCodecs, CODECS);
}
