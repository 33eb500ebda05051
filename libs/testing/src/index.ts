export * from './given-when-then';
export * from './infrastructure';
export * from './late-proxy';
export * from './workloads';
export * from './java-kafka-client';
