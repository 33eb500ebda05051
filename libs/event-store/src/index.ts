export * from './database';
export * from './errors';
export * from './event-store';
export * from './migrations';
export * from './outbox';
export * from './processed-inputs';
export * from './projection-checkpoints';
