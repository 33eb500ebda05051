import { CatalogRejection, decide, evolve, initialState, ProductCommand, ProductEvent, ProductPolicy } from './product';

const policy: ProductPolicy = { name: 'Trail shoe', backorderable: true, maxBackorderDays: 30, leadTimeDays: 14, onLimitExceeded: 'NOTIFY' };
const now = '2026-12-01T10:00:00Z';

function given(events: readonly ProductEvent[]) {
  const state = events.reduce(evolve, initialState());
  return {
    when: (command: ProductCommand) => ({
      then: (expected: readonly ProductEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenRejects: (code: string) => {
        try {
          decide(command, state);
        } catch (error) {
          expect(error).toBeInstanceOf(CatalogRejection);
          expect((error as CatalogRejection).code).toBe(code);
          return;
        }
        throw new Error(`expected rejection ${code}`);
      },
    }),
  };
}

const define = (p: ProductPolicy = policy): ProductCommand => ({ type: 'DefineProduct', data: { sku: 'SKU-1', policy: p }, metadata: { now } });
const discontinue: ProductCommand = { type: 'DiscontinueProduct', data: { sku: 'SKU-1' }, metadata: { now } };
const defined: ProductEvent = { type: 'ProductDefined', data: { sku: 'SKU-1', policy, definedAt: '2026-11-01T00:00:00Z' } };

describe('product', () => {
  describe('when unknown', () => {
    it('is defined by its first definition', () => {
      given([]).when(define()).then([{ type: 'ProductDefined', data: { sku: 'SKU-1', policy, definedAt: now } }]);
    });

    it('cannot be discontinued', () => {
      given([]).when(discontinue).thenRejects('CATALOG.UNKNOWN_SKU');
    });
  });

  describe('when active', () => {
    it('ignores a definition identical to the current one', () => {
      given([defined]).when(define()).then([]);
    });

    it('records a changed policy', () => {
      const changed = { ...policy, leadTimeDays: 21 };
      given([defined]).when(define(changed)).then([{ type: 'ProductDefined', data: { sku: 'SKU-1', policy: changed, definedAt: now } }]);
    });

    it('is discontinued', () => {
      given([defined]).when(discontinue).then([{ type: 'ProductDiscontinued', data: { sku: 'SKU-1', discontinuedAt: now } }]);
    });
  });

  describe('when discontinued', () => {
    const discontinued: ProductEvent = { type: 'ProductDiscontinued', data: { sku: 'SKU-1', discontinuedAt: '2026-11-20T00:00:00Z' } };

    it('stays discontinued when discontinued again, without a new event', () => {
      given([defined, discontinued]).when(discontinue).then([]);
    });

    it('refuses a new definition', () => {
      given([defined, discontinued]).when(define()).thenRejects('CATALOG.PRODUCT_DISCONTINUED');
    });
  });
});
