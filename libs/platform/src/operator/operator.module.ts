import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { ServiceConfig } from '../config';
import { OperatorAudit } from './operator-audit';
import { OperatorController } from './operator.controller';
import { OperatorGuard } from './operator.guard';
import { SERVICE_OPERATIONS, ServiceOperations } from './service-operations';

/**
 * The operator endpoints of a service (/operator/...): bearer token, rate limit and audit. Import
 * it next to PlatformModule; a service's own operator controllers use
 * `@UseGuards(ThrottlerGuard, OperatorGuard)` and record through OperatorAudit, both exported here.
 */
@Module({})
export class OperatorModule {
  static forRoot(config: ServiceConfig, operations: ServiceOperations): DynamicModule {
    return {
      module: OperatorModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'operator', ttl: config.operatorRateWindowMs, limit: config.operatorRateLimit }],
          errorMessage: 'too many operator requests; try again later',
        }),
      ],
      controllers: [OperatorController],
      providers: [{ provide: SERVICE_OPERATIONS, useValue: operations }, OperatorAudit, OperatorGuard],
      exports: [SERVICE_OPERATIONS, OperatorAudit, OperatorGuard, ThrottlerModule],
    };
  }
}
