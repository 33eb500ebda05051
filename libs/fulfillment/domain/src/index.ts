export { initialState } from './fulfillment-state';
export type {
  Catalog,
  EtaConfidence,
  FulfillmentState,
  LimitAction,
  ProductPolicy,
} from './fulfillment-state';
export { decide } from './decide';
export type { Decision } from './decide';
export { evolve } from './evolve';
export { stateAt, timeUnchangedUntil } from './elapsed-time';
export type { Rejection, RejectionCode } from './rejection';
export { FulfillmentAssertionError } from './assertion';
export type * from './commands';
export type * from './events';
export { availability, backorderQueue, headWaitingSince, ledger, openLine, openLines } from './read-models';
export type { Availability, AvailabilityStatus, OpenLine, StockLedger, WaitingLine } from './read-models';
export { restore, restoreFrom, snapshot, snapshotHead, snapshotLines, SNAPSHOT_VERSION } from './snapshot';
export type { FulfillmentSnapshot, LineSnapshot, SnapshotHead } from './snapshot';
