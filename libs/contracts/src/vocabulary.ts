export const LINE_STATUSES = ['ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'REJECTED'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

export const REJECTION_REASONS = ['DISCONTINUED', 'UNKNOWN_SKU', 'OUT_OF_STOCK', 'ETA_BEYOND_LIMIT'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const ETA_CONFIDENCES = ['CONFIRMED', 'ESTIMATED'] as const;
export type EtaConfidence = (typeof ETA_CONFIDENCES)[number];

export const ETA_CHANGE_CAUSES = [
  'SUPPLY_ADDED',
  'SUPPLY_RESCHEDULED',
  'SUPPLY_CANCELLED',
  'QUEUE_MOVED',
  'STOCK_CORRECTION',
  'ESTIMATE_EXPIRED',
  'POLICY_CHANGED',
  'EXPEDITED',
] as const;
export type EtaChangeCause = (typeof ETA_CHANGE_CAUSES)[number];

export const CANCELLATION_REASONS = ['CUSTOMER', 'BACKORDER_EXPIRED', 'DISCONTINUED'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export const LIMIT_EXCEEDED_ACTIONS = ['CANCEL', 'NOTIFY'] as const;
export type LimitExceededAction = (typeof LIMIT_EXCEEDED_ACTIONS)[number];
