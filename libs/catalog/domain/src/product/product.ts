/** A product's backorder policy, as the catalog defines it. */
export interface ProductPolicy {
  readonly name: string;
  readonly backorderable: boolean;
  readonly maxBackorderDays: number;
  readonly leadTimeDays: number | null;
  readonly onLimitExceeded: 'CANCEL' | 'NOTIFY';
}

export type ProductState =
  | { readonly status: 'UNKNOWN' }
  | { readonly status: 'ACTIVE'; readonly policy: ProductPolicy; readonly definedAt: string }
  | { readonly status: 'DISCONTINUED'; readonly policy: ProductPolicy; readonly definedAt: string; readonly discontinuedAt: string };

interface Metadata {
  readonly now: string;
}

export type ProductCommand =
  | { readonly type: 'DefineProduct'; readonly data: { readonly sku: string; readonly policy: ProductPolicy }; readonly metadata: Metadata }
  | { readonly type: 'DiscontinueProduct'; readonly data: { readonly sku: string }; readonly metadata: Metadata };

export type ProductEvent =
  | { readonly type: 'ProductDefined'; readonly data: { readonly sku: string; readonly policy: ProductPolicy; readonly definedAt: string } }
  | { readonly type: 'ProductDiscontinued'; readonly data: { readonly sku: string; readonly discontinuedAt: string } };

export type CatalogRejectionCode = 'CATALOG.UNKNOWN_SKU' | 'CATALOG.PRODUCT_DISCONTINUED';

/** A business rejection: the command is refused and nothing changes. */
export class CatalogRejection extends Error {
  constructor(readonly code: CatalogRejectionCode, message: string) {
    super(message);
    this.name = 'CatalogRejection';
  }
}

export function initialState(): ProductState {
  return { status: 'UNKNOWN' };
}

function samePolicy(a: ProductPolicy, b: ProductPolicy): boolean {
  return (
    a.name === b.name &&
    a.backorderable === b.backorderable &&
    a.maxBackorderDays === b.maxBackorderDays &&
    a.leadTimeDays === b.leadTimeDays &&
    a.onLimitExceeded === b.onLimitExceeded
  );
}

function defineProduct(command: Extract<ProductCommand, { type: 'DefineProduct' }>, state: ProductState): ProductEvent[] {
  if (state.status === 'DISCONTINUED') {
    throw new CatalogRejection('CATALOG.PRODUCT_DISCONTINUED', `product ${command.data.sku} is discontinued`);
  }
  // Defining a product exactly as it is already defined changes nothing: a repeated PUT is idempotent.
  if (state.status === 'ACTIVE' && samePolicy(state.policy, command.data.policy)) return [];
  return [{ type: 'ProductDefined', data: { sku: command.data.sku, policy: command.data.policy, definedAt: command.metadata.now } }];
}

function discontinueProduct(command: Extract<ProductCommand, { type: 'DiscontinueProduct' }>, state: ProductState): ProductEvent[] {
  if (state.status === 'UNKNOWN') throw new CatalogRejection('CATALOG.UNKNOWN_SKU', `no product ${command.data.sku}`);
  if (state.status === 'DISCONTINUED') return [];
  return [{ type: 'ProductDiscontinued', data: { sku: command.data.sku, discontinuedAt: command.metadata.now } }];
}

export function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  switch (command.type) {
    case 'DefineProduct':
      return defineProduct(command, state);
    case 'DiscontinueProduct':
      return discontinueProduct(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case 'ProductDefined':
      return { status: 'ACTIVE', policy: event.data.policy, definedAt: event.data.definedAt };
    case 'ProductDiscontinued':
      if (state.status === 'UNKNOWN') throw new Error('a product is discontinued only after it was defined');
      return { status: 'DISCONTINUED', policy: state.policy, definedAt: state.definedAt, discontinuedAt: event.data.discontinuedAt };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}
