import { Controller, Get, HttpCode, Inject, Injectable, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { Database } from '@restock/event-store';
import type { ConsumerState } from '@restock/messaging';
import { KAFKA } from './tokens';

export const READINESS_TIMEOUT_MS = 2_000;

/** The consumer's line in /health/ready: `up` while it consumes, otherwise why it does not. */
export type ConsumerCheck = 'up' | Exclude<ConsumerState, 'consuming'>;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

/**
 * Where readiness reads the state of the service's Kafka consumer. The consumer is made only after
 * the Nest application (see startService), which connects it here then; a service without a
 * consumer never does, and its readiness has no consumer check.
 */
@Injectable()
export class ConsumerReadiness {
  private stateOf: (() => ConsumerState) | null = null;

  follow(stateOf: () => ConsumerState): void {
    this.stateOf = stateOf;
  }

  check(): ConsumerCheck | undefined {
    const state = this.stateOf?.();
    return state === 'consuming' ? 'up' : state;
  }
}

@Controller('health')
export class HealthController implements OnModuleDestroy {
  private admin: Admin | null = null;

  constructor(
    private readonly db: Database,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly consumer: ConsumerReadiness,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready when PostgreSQL and Kafka answer and the consumer, if the service has one, consumes: a
   * service whose consumer is starting or being started again after a crash takes HTTP requests
   * but not its inputs, so what it answers falls behind (a crash loop would otherwise look ready).
   */
  @Get('ready')
  @HttpCode(200)
  async ready() {
    const [postgres, kafka] = await Promise.all([this.postgresReachable(), this.kafkaReachable()]);
    const consumer = this.consumer.check();
    const checks = { postgres: postgres ? 'up' : 'down', kafka: kafka ? 'up' : 'down', ...(consumer === undefined ? {} : { consumer }) };
    const allUp = Object.values(checks).every((check) => check === 'up');
    const body = { status: allUp ? 'ok' : 'unavailable', checks };
    if (!allUp) throw new ServiceUnavailableException(body);
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
