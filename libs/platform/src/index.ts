export * from './bootstrap';
export * from './config';
export * from './health';
export * from './metrics';
export * from './platform.module';
export * from './tokens';
export * from './validation';
export * from './operator';
