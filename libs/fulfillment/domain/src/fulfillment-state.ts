import { type BackorderQueue, cloneQueue, emptyQueue } from './backorder-queue';
import type { DeadlineEntry } from './deadline-watch';
import { type LineBook, LineBookDraft } from './line-book';

export type LimitAction = 'CANCEL' | 'NOTIFY';
export type EtaConfidence = 'CONFIRMED' | 'ESTIMATED';

export interface ProductPolicy {
  readonly name: string;
  readonly backorderable: boolean;
  readonly maxBackorderDays: number;
  /** Null: the supplier makes no lead-time promise, so only the pipeline is a commitment. */
  readonly leadTimeDays: number | null;
  readonly onLimitExceeded: LimitAction;
}

export type Catalog =
  | { readonly status: 'UNDEFINED' }
  | { readonly status: 'ACTIVE'; readonly policy: ProductPolicy }
  | { readonly status: 'DISCONTINUED'; readonly policy: ProductPolicy };

/**
 * An open order line of the SKU: it still has allocated (unshipped) or waiting units. A change
 * replaces the record, which lets a decision work on a cheap copy of the state; the one exception
 * is a new ETA of a line in an owned state, written in place (see `setLineEta`), as no decision is
 * open while the owner evolves its state. A line whose units are all shipped or cancelled is
 * forgotten, so the state stays bounded by the open work.
 */
export interface OrderLine {
  readonly key: string;
  readonly orderId: string;
  readonly lineId: string;
  /** Ordered quantity, including any part rejected at acceptance. */
  readonly quantity: number;
  /** Allocated plus backordered at acceptance; every one of these units must stay accounted for. */
  readonly acceptedQuantity: number;
  readonly acceptedAt: string;
  readonly acceptedDay: number;
  readonly deadline: string;
  readonly deadlineMs: number;
  /** Acceptance order: the line's original FIFO position. */
  readonly sequence: number;
  /** Position key in the backorder queue: the sequence, or a negative rank once expedited. */
  readonly rank: number;
  readonly allocated: number;
  readonly waiting: number;
  readonly shipped: number;
  readonly cancelled: number;
  /** When the line last received stock; phantom stock is revoked from the latest first. */
  readonly allocationStamp: number;
  /** UTC day number of the ETA of the waiting units; null when nothing waits or nothing is promised. */
  readonly etaDay: number | null;
  readonly etaConfidence: EtaConfidence | null;
  readonly atRisk: boolean;
  readonly held: boolean;
}

/** An open purchase-order line of the SKU. Fully received lines leave the pipeline. */
export interface SupplyLine {
  readonly purchaseOrderId: string;
  readonly remaining: number;
  readonly expectedAt: string;
  readonly expectedMs: number;
  readonly expectedDay: number;
  /** Placement order, which breaks ties between lines expected at the same time. */
  readonly sequence: number;
}

export interface Counters {
  acceptance: number;
  expedite: number;
  allocation: number;
  supply: number;
}

/**
 * Everything about one SKU. The caller owns it: `evolve` mutates it in place and returns it,
 * `decide` never mutates it. Treat it as opaque; use the read functions and `snapshot`.
 */
export interface FulfillmentState {
  readonly sku: string;
  catalog: Catalog;
  onHand: number;
  allocated: number;
  /** Units waiting in the backorder queue. */
  waitingTotal: number;
  /** A Map in an owned state; a copy-on-write view inside a decision. */
  readonly lines: LineBook;
  queue: BackorderQueue;
  readonly pipeline: Map<string, SupplyLine>;
  /** The day ETAs were last re-projected for the passage of time. */
  etasReviewedOn: number | null;
  readonly counters: Counters;
  /** Min-heap of waiting lines by deadline; rebuilt on restore, so never part of equality. */
  deadlineWatch: DeadlineEntry[];
}

export function initialState(sku: string): FulfillmentState {
  return {
    sku,
    catalog: { status: 'UNDEFINED' },
    onHand: 0,
    allocated: 0,
    waitingTotal: 0,
    lines: new Map(),
    queue: emptyQueue(),
    pipeline: new Map(),
    etasReviewedOn: null,
    counters: { acceptance: 0, expedite: 0, allocation: 0, supply: 0 },
    deadlineWatch: [],
  };
}

/**
 * A decision's working copy: it can be evolved without touching the original, and making it costs
 * nothing that grows with the queue. Lines are copied on write and the queue's arrays on insert.
 * The deadline watch starts empty: only time catching up reads it, and that reads the original's
 * before any step changes the copy, so copying a heap of every waiting line would be wasted.
 */
export function workingCopyOf(state: FulfillmentState): FulfillmentState {
  return {
    ...state,
    lines: new LineBookDraft(state.lines as Map<string, OrderLine>),
    queue: cloneQueue(state.queue),
    pipeline: new Map(state.pipeline),
    counters: { ...state.counters },
    deadlineWatch: [],
  };
}

export function lineKey(orderId: string, lineId: string): string {
  return `${orderId}\u001f${lineId}`;
}

export function policyOf(state: FulfillmentState): ProductPolicy | null {
  return state.catalog.status === 'UNDEFINED' ? null : state.catalog.policy;
}

/** Available to promise; negative only when a warehouse shipped what the records did not have. */
export function availableToPromise(state: FulfillmentState): number {
  return state.onHand - state.allocated;
}
