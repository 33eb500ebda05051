// The words the saga and the customer share. They mirror the public contract; the adapters validate
// every message against it before a value reaches the domain.
export type LineStatus = 'ALLOCATED' | 'PARTIALLY_ALLOCATED' | 'BACKORDERED' | 'REJECTED';
export type RejectionReason = 'DISCONTINUED' | 'UNKNOWN_SKU' | 'OUT_OF_STOCK' | 'ETA_BEYOND_LIMIT';
export type EtaConfidence = 'CONFIRMED' | 'ESTIMATED';
export type EtaChangeCause =
  | 'SUPPLY_ADDED'
  | 'SUPPLY_RESCHEDULED'
  | 'SUPPLY_CANCELLED'
  | 'QUEUE_MOVED'
  | 'STOCK_CORRECTION'
  | 'ESTIMATE_EXPIRED'
  | 'POLICY_CHANGED'
  | 'EXPEDITED';
export type CancellationReason = 'CUSTOMER' | 'BACKORDER_EXPIRED' | 'DISCONTINUED';

/**
 * PENDING until every line is decided; then derived from the quantities (see orderStatus).
 */
export type OrderStatus =
  | 'PENDING'
  | 'REJECTED'
  | 'CANCELLED'
  | 'SHIPPED'
  | 'ALLOCATED'
  | 'PARTIALLY_ALLOCATED'
  | 'BACKORDERED';
