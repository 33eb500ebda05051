export * from './operator-audit';
export * from './operator-bodies';
export * from './operator.controller';
export * from './operator.guard';
export * from './operator.module';
export * from './service-operations';
