import 'reflect-metadata';
import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import fc from 'fast-check';
import { ContractValidationPipe, VALIDATED_QUERIES_MAX } from './validation';

class StockQuery {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  readonly quantity!: number;

  @IsOptional()
  @IsIn(['FAST', 'CHEAP'])
  readonly shipping?: string;
}

const AS_QUERY: ArgumentMetadata = { type: 'query', metatype: StockQuery };

type Answer = { readonly ok: true; readonly value: unknown; readonly instance: boolean } | { readonly ok: false; readonly body: unknown };

async function answer(pipe: ContractValidationPipe, query: Record<string, string>): Promise<Answer> {
  try {
    // Each request brings its own parsed query object.
    const value = await pipe.transform({ ...query }, AS_QUERY);
    return { ok: true, value: { ...(value as object) }, instance: value instanceof StockQuery };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { ok: false, body: error.getResponse() };
  }
}

// A small pool of queries, good and bad, so that a run repeats many of them.
const queries = fc.record(
  {
    quantity: fc.constantFrom('1', '4', '50', '0', '51', '2.5', 'four', ''),
    shipping: fc.constantFrom('FAST', 'CHEAP', 'SLOW'),
    extra: fc.constantFrom('x', 'y'),
  },
  { requiredKeys: [] },
);

describe('the contract validation pipe on queries', () => {
  it('answers a query met before exactly as a pipe meeting it for the first time does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(queries, { minLength: 1, maxLength: 40, size: 'max' }), async (sequence) => {
        const remembering = new ContractValidationPipe();
        for (const query of sequence) expect(await answer(remembering, query)).toEqual(await answer(new ContractValidationPipe(), query));
      }),
      { numRuns: 60 },
    );
  });

  it('gives each request its own instance of the query class, which a handler may change without touching the next', async () => {
    const pipe = new ContractValidationPipe();
    const first = (await pipe.transform({ quantity: '4' }, AS_QUERY)) as { quantity: number };
    first.quantity = 99;
    const second = await pipe.transform({ quantity: '4' }, AS_QUERY);
    expect(second).toBeInstanceOf(StockQuery);
    expect(second).toEqual(Object.assign(new StockQuery(), { quantity: 4 }));
    expect(second).not.toBe(first);
  });

  it('refuses a bad query every time it comes, with its field errors', async () => {
    const pipe = new ContractValidationPipe();
    for (let round = 0; round < 3; round += 1) {
      const refused = await answer(pipe, { quantity: '0' });
      expect(refused).toMatchObject({ ok: false, body: { statusCode: 400, fields: [expect.objectContaining({ field: 'quantity' })] } });
      expect(await answer(pipe, { quantity: '4', unknown: 'x' })).toMatchObject({ ok: false, body: { statusCode: 400 } });
      expect(await answer(pipe, { quantity: '4' })).toEqual({ ok: true, value: { quantity: 4 }, instance: true });
    }
  });

  it('still answers correctly past the number of distinct queries it keeps', async () => {
    const pipe = new ContractValidationPipe();
    for (let index = 0; index < VALIDATED_QUERIES_MAX + 10; index += 1) {
      const quantity = (index % 50) + 1;
      expect(await answer(pipe, { quantity: String(quantity), shipping: index % 2 === 0 ? 'FAST' : 'CHEAP', [`n${index}`]: 'x' })).toMatchObject({ ok: false });
      expect(await answer(pipe, { quantity: String(quantity) })).toEqual({ ok: true, value: { quantity }, instance: true });
    }
  });
});
