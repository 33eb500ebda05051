export * from './batch-consumer';
export * from './dead-letters';
export * from './kafka';
export * from './kafka-transport';
export * from './outbox-relay';
