import { BaseRpcContext, CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { PoolClient } from 'pg';
import { BatchConsumer, BatchConsumerOptions, ConsumedInput, ConsumerState, HandlerOutcome } from './batch-consumer';

/** What an @EventPattern(topic) handler receives besides its inputs: the transaction to write in. */
export class KafkaBatchContext extends BaseRpcContext<[string, PoolClient]> {
  get topic(): string {
    return this.args[0];
  }

  get transaction(): PoolClient {
    return this.args[1];
  }
}

export type KafkaTransportOptions = Omit<BatchConsumerOptions, 'topics' | 'handlerFor' | 'typesTakenBy'>;

/**
 * The extras of `@EventPattern(<topic>, extras)`. `types`: the only event types of the topic the
 * handler takes; the consumer passes over the others (see BatchConsumerOptions.typesTakenBy).
 */
export interface KafkaHandlerExtras {
  readonly types?: readonly string[];
}

/**
 * The NestJS face of BatchConsumer: each `@EventPattern(<topic>)` method becomes the batch handler
 * of that topic. A handler gets `(inputs: ConsumedInput[], context: KafkaBatchContext)` and returns
 * a HandlerOutcome (or nothing); it writes its effects through `context.transaction`.
 * `@EventPattern(<topic>, { types })` (KafkaHandlerExtras) names the only types it takes.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  private consumer: BatchConsumer | null = null;
  private closed = false;

  constructor(private readonly options: KafkaTransportOptions) {
    super();
  }

  /** The logical topics its @EventPattern handlers consume. */
  get topics(): string[] {
    return [...this.messageHandlers.keys()];
  }

  /** Its consumer's state; `starting` before Nest has called listen, `stopped` once it has closed it. */
  get state(): ConsumerState {
    return this.consumer?.state ?? (this.closed ? 'stopped' : 'starting');
  }

  listen(callback: (error?: unknown) => void): void {
    const topics = this.topics;
    const typesTaken = new Map(topics.flatMap((topic) => {
      const types = (this.messageHandlers.get(topic)?.extras as KafkaHandlerExtras | undefined)?.types;
      return types === undefined ? [] : [[topic, new Set(types)] as const];
    }));
    this.consumer = new BatchConsumer({
      ...this.options,
      topics,
      typesTakenBy: (topic) => typesTaken.get(topic),
      handlerFor: (topic) => async (inputs: readonly ConsumedInput[], tx: PoolClient) => {
        const handler = this.getHandlerByPattern(topic);
        if (!handler) throw new Error(`no handler for topic ${topic}`);
        const result = await handler(inputs, new KafkaBatchContext([topic, tx]));
        return (await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined })) as HandlerOutcome | void;
      },
    });
    this.consumer.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumer?.stop();
    this.consumer = null;
  }

  on(): void {
    // kafkajs reports its own events through the log creator; nothing to subscribe to here.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
