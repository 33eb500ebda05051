import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ConsumerMetrics } from '@restock/messaging';
import { SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './config';

/** The service's Prometheus registry and the metrics every service shares. */
@Injectable()
export class Metrics implements ConsumerMetrics {
  readonly registry = new Registry();
  readonly inputsProcessed = new Counter({ name: 'restock_inputs_processed_total', help: 'Inputs whose effects were committed', labelNames: ['topic'], registers: [this.registry] });
  readonly inputsDuplicate = new Counter({ name: 'restock_inputs_duplicate_total', help: 'Inputs delivered again and skipped', labelNames: ['topic'], registers: [this.registry] });
  readonly inputsDeadLettered = new Counter({ name: 'restock_inputs_dead_lettered_total', help: 'Inputs sent to a dead-letter topic', labelNames: ['topic', 'code'], registers: [this.registry] });
  readonly batchDuration = new Histogram({
    name: 'restock_batch_duration_seconds',
    help: 'Time to handle and commit one chunk of inputs',
    labelNames: ['topic'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly outboxPublished = new Counter({ name: 'restock_outbox_published_total', help: 'Messages the outbox relay published', registers: [this.registry] });
  readonly processedInputsPruned = new Counter({ name: 'restock_processed_inputs_pruned_total', help: 'Processed input ids forgotten because no topic can deliver them again', registers: [this.registry] });
  readonly consumerCrashes = new Counter({ name: 'restock_consumer_crashes_total', help: 'Times the Kafka consumer stopped on an error kafkajs does not retry, and was started again', registers: [this.registry] });
  readonly consumerLag = new Gauge({ name: 'restock_consumer_lag', help: 'Records behind the end of each consumed partition (on internal topics a record packs several events)', labelNames: ['topic', 'partition'], registers: [this.registry] });

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    this.registry.setDefaultLabels({ service: config.service });
    collectDefaultMetrics({ register: this.registry });
  }

  processed(topic: string, count: number, durationMs: number): void {
    this.inputsProcessed.inc({ topic }, count);
    this.batchDuration.observe({ topic }, durationMs / 1000);
  }

  deadLettered(topic: string, code: string): void {
    this.inputsDeadLettered.inc({ topic, code });
  }

  duplicate(topic: string, count: number): void {
    this.inputsDuplicate.inc({ topic }, count);
  }

  crashed(): void {
    this.consumerCrashes.inc();
  }
}

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
