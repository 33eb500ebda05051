export * from './batch-consumer';
export * from './dead-letters';
export * from './input-retention';
export * from './kafka';
export * from './kafka-transport';
export * from './outbox-relay';
export * from './dead-letter-redrive';
export * from './topic-range';
