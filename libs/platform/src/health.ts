import { Controller, Get, HttpCode, Inject, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { Database } from '@restock/event-store';
import { KAFKA } from './tokens';

export const READINESS_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

@Controller('health')
export class HealthController implements OnModuleDestroy {
  private admin: Admin | null = null;

  constructor(
    private readonly db: Database,
    @Inject(KAFKA) private readonly kafka: Kafka,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  async ready() {
    const [postgres, kafka] = await Promise.all([this.postgresReachable(), this.kafkaReachable()]);
    const body = { status: postgres && kafka ? 'ok' : 'unavailable', checks: { postgres: postgres ? 'up' : 'down', kafka: kafka ? 'up' : 'down' } };
    if (!postgres || !kafka) throw new ServiceUnavailableException(body);
    return body;
  }

  private postgresReachable(): Promise<boolean> {
    return withTimeout(this.db.isReachable(), READINESS_TIMEOUT_MS).catch(() => false);
  }

  private async kafkaReachable(): Promise<boolean> {
    try {
      if (!this.admin) {
        this.admin = this.kafka.admin();
        await withTimeout(this.admin.connect(), READINESS_TIMEOUT_MS);
      }
      await withTimeout(this.admin.describeCluster(), READINESS_TIMEOUT_MS);
      return true;
    } catch {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
      return false;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
