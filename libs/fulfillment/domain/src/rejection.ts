export type RejectionCode =
  | 'FULFILLMENT.UNKNOWN_SKU'
  | 'FULFILLMENT.DUPLICATE_LINE'
  | 'FULFILLMENT.LINE_NOT_FOUND'
  | 'FULFILLMENT.LINE_NOT_WAITING'
  | 'FULFILLMENT.DUPLICATE_PURCHASE_ORDER'
  | 'FULFILLMENT.UNKNOWN_PURCHASE_ORDER';

/** A command the SKU's state cannot take; nothing changed. */
export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}

export function rejection(code: RejectionCode, message: string): Rejection {
  return { code, message };
}
