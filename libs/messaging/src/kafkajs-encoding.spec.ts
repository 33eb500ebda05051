import fc from 'fast-check';

// kafkajs's own modules, as patches/kafkajs+2.2.4.patch leaves them (docs/decisions.md, "kafkajs patched").
// eslint-disable-next-line @typescript-eslint/no-require-imports
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (data: Buffer) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => {
  writeInt8(value: number): unknown;
  writeInt16(value: number): unknown;
  writeInt32(value: number): unknown;
  writeString(value: string): unknown;
  writeBytes(value: Buffer): unknown;
  writeVarInt(value: number): unknown;
  readonly buffer: Buffer;
};

/** The Java client's Utils.murmur2, line by line, with BigInt wrapped to 32 bits: slow and plainly right. */
function referenceMurmur2(data: Buffer): number {
  const wrap = (value: bigint) => BigInt.asIntN(32, value);
  const shiftRight = (value: bigint, bits: number) => BigInt.asUintN(32, value) >> BigInt(bits);
  const m = 0x5bd1e995n;
  let h = wrap(0x9747b28cn ^ BigInt(data.length));
  const length4 = Math.floor(data.length / 4);
  for (let i = 0; i < length4; i += 1) {
    let k = wrap(BigInt(data[i * 4]! + (data[i * 4 + 1]! << 8) + (data[i * 4 + 2]! << 16)) + (BigInt(data[i * 4 + 3]!) << 24n));
    k = wrap(k * m);
    k = wrap(k ^ shiftRight(k, 24));
    k = wrap(k * m);
    h = wrap(h * m);
    h = wrap(h ^ k);
  }
  const tail = data.length & ~3;
  const left = data.length % 4;
  if (left === 3) h = wrap(h ^ (BigInt(data[tail + 2]!) << 16n));
  if (left >= 2) h = wrap(h ^ (BigInt(data[tail + 1]!) << 8n));
  if (left >= 1) {
    h = wrap(h ^ BigInt(data[tail]!));
    h = wrap(h * m);
  }
  h = wrap(h ^ shiftRight(h, 13));
  h = wrap(h * m);
  h = wrap(h ^ shiftRight(h, 15));
  return Number(h);
}

/** CRC-32C one bit at a time (reflected polynomial 0x82F63B78). */
function referenceCrc32C(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function zigZagVarInt(value: number): Buffer {
  let rest = ((value << 1) ^ (value >> 31)) >>> 0;
  const bytes: number[] = [];
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

type Write =
  | { op: 'int8'; value: number }
  | { op: 'int16'; value: number }
  | { op: 'int32'; value: number }
  | { op: 'string'; value: string }
  | { op: 'bytes'; value: Uint8Array }
  | { op: 'varint'; value: number };

function expectedBytes(write: Write): Buffer {
  const fixed = (size: number, put: (buffer: Buffer) => void) => {
    const buffer = Buffer.alloc(size);
    put(buffer);
    return buffer;
  };
  switch (write.op) {
    case 'int8':
      return fixed(1, (buffer) => buffer.writeInt8(write.value));
    case 'int16':
      return fixed(2, (buffer) => buffer.writeInt16BE(write.value));
    case 'int32':
      return fixed(4, (buffer) => buffer.writeInt32BE(write.value));
    case 'string': {
      const text = Buffer.from(write.value, 'utf8');
      return Buffer.concat([fixed(2, (buffer) => buffer.writeInt16BE(text.length)), text]);
    }
    case 'bytes':
      return Buffer.concat([fixed(4, (buffer) => buffer.writeInt32BE(write.value.length)), Buffer.from(write.value)]);
    case 'varint':
      return zigZagVarInt(write.value);
  }
}

const writeArbitrary: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ op: fc.constant('int8' as const), value: fc.integer({ min: -128, max: 127 }) }),
  fc.record({ op: fc.constant('int16' as const), value: fc.integer({ min: -32768, max: 32767 }) }),
  fc.record({ op: fc.constant('int32' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ op: fc.constant('string' as const), value: fc.string({ unit: 'grapheme', maxLength: 300 }) }),
  fc.record({ op: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 3000 }) }),
  fc.record({ op: fc.constant('varint' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
);

describe("kafkajs's patched encoding", () => {
  it("partitions by the Java client's murmur2: Kafka's own test vectors", () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it('hashes any key as the 32-bit reference does, strings as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(murmur2(Buffer.from(bytes))).toBe(referenceMurmur2(Buffer.from(bytes)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (key) => {
        expect(murmur2(key)).toBe(referenceMurmur2(Buffer.from(key, 'utf8')));
      }),
      { numRuns: 1000 },
    );
  });

  it('checksums record batches with CRC-32C: the iSCSI test vectors (RFC 3720) and "123456789"', () => {
    expect(crc32C(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32C(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32C(Buffer.from(Array.from({ length: 32 }, (_, index) => index)))).toBe(0x46dd794e);
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
  });

  it('checksums any bytes, of any length and alignment, as the bit-at-a-time reference does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat({ max: 7 }), (bytes, skip) => {
        const data = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
        expect(crc32C(data)).toBe(referenceCrc32C(data));
      }),
      { numRuns: 500 },
    );
  });

  it('encodes exactly the bytes written, whatever the buffer held before, across every growth of it', () => {
    // Fill Node's buffer pool with a marker first: unzeroed memory must never show through.
    Buffer.allocUnsafe(4096).fill(0xee);
    fc.assert(
      fc.property(fc.array(writeArbitrary, { maxLength: 40 }), fc.constantFrom(1, 16, 511), (writes, initialSize) => {
        const encoder = new Encoder(initialSize);
        for (const write of writes) {
          if (write.op === 'int8') encoder.writeInt8(write.value);
          else if (write.op === 'int16') encoder.writeInt16(write.value);
          else if (write.op === 'int32') encoder.writeInt32(write.value);
          else if (write.op === 'string') encoder.writeString(write.value);
          else if (write.op === 'bytes') encoder.writeBytes(Buffer.from(write.value));
          else encoder.writeVarInt(write.value);
        }
        expect(encoder.buffer.equals(Buffer.concat(writes.map(expectedBytes)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
