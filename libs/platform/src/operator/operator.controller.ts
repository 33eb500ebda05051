import { Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Kafka } from 'kafkajs';
import { Database, ProjectionReplayResult, replayProjection, ReplayBusyError, ReplayLockTimeoutError } from '@restock/event-store';
import { DeadLetterEntry, listDeadLetters, redriveDeadLetters, redrivenLetters, TopicNamer, UnknownTopicError } from '@restock/messaging';
import type { ServiceConfig } from '../config';
import { KAFKA, SERVICE_CONFIG } from '../tokens';
import { OperatorAudit } from './operator-audit';
import { RedriveBody, ReplayProjectionsBody } from './operator-bodies';
import { OperatorFingerprint, OperatorGuard } from './operator.guard';
import { SERVICE_OPERATIONS, ServiceOperations } from './service-operations';

/** A replay needs one connection for its lock and one for its transactions. */
export const REPLAY_POOL_SIZE_MAX = 2;

function letterView(letter: DeadLetterEntry, redrivenAt: Date | undefined) {
  const { message: _message, ...view } = letter;
  return { ...view, redrivenAt: redrivenAt?.toISOString() ?? null };
}

/** Letters chosen by letter id or event id; an id that matches nothing is a 404. */
export function selectLetters(letters: readonly DeadLetterEntry[], ids: readonly string[] | undefined, redriven: ReadonlyMap<string, Date>): DeadLetterEntry[] {
  if (!ids) return letters.filter((letter) => !redriven.has(letter.id));
  const unknown = ids.filter((id) => !letters.some((letter) => letter.id === id || letter.eventId === id));
  if (unknown.length > 0) {
    throw new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'OPERATOR.UNKNOWN_DEAD_LETTER', message: `no dead letter ${unknown.join(', ')}` });
  }
  return letters.filter((letter) => ids.includes(letter.id) || (letter.eventId !== null && ids.includes(letter.eventId)));
}

/** Rebuilding read models and sending dead letters back, for an authenticated, rate-limited operator. */
@Controller('operator')
@UseGuards(ThrottlerGuard, OperatorGuard)
export class OperatorController {
  constructor(
    private readonly db: Database,
    private readonly audit: OperatorAudit,
    private readonly namer: TopicNamer,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(SERVICE_OPERATIONS) private readonly operations: ServiceOperations,
  ) {}

  @Post('replay/projections')
  @HttpCode(200)
  async replayProjections(@Body() body: ReplayProjectionsBody, @OperatorFingerprint() fingerprint: string) {
    const results: ProjectionReplayResult[] = [];
    const target = `${this.config.service}:${this.operations.projections.map((projection) => projection.name).join(',')}`;
    // Rebuilding creates and renames tables: it runs as the schema's owner, like a migration, not as
    // the runtime role the service's pool acts as.
    const owner = new Database(this.config.databaseUrl, this.config.schema, REPLAY_POOL_SIZE_MAX);
    try {
      for (const projection of this.operations.projections) results.push(await replayProjection(owner, projection, { swap: body.swap === true }));
    } catch (error) {
      await this.audit.recordAlone({ action: 'replay.projections', target, reason: body.reason, tokenFingerprint: fingerprint, outcome: 'FAILED', details: { error: String(error) } });
      if (error instanceof ReplayBusyError) throw new ConflictException({ statusCode: 409, error: 'Conflict', code: 'OPERATOR.REPLAY_RUNNING', message: error.message });
      if (error instanceof ReplayLockTimeoutError) {
        throw new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', code: 'OPERATOR.REPLAY_TABLES_BUSY', message: error.message });
      }
      throw error;
    } finally {
      await owner.close();
    }
    const outcome = body.swap ? 'SWAPPED' : results.every((result) => result.equal) ? 'EQUAL' : 'DIFFERS';
    await this.audit.recordAlone({ action: 'replay.projections', target, reason: body.reason, tokenFingerprint: fingerprint, outcome, details: { results } });
    return { service: this.config.service, outcome, results };
  }

  @Get('dlq/:topic')
  async deadLetters(@Param('topic') topic: string) {
    this.assertConsumed(topic);
    const [letters, redriven] = await Promise.all([this.letters(topic), redrivenLetters(this.db, topic)]);
    return { topic, letters: letters.map((letter) => letterView(letter, redriven.get(letter.id))) };
  }

  @Post('dlq/:topic/redrive')
  @HttpCode(200)
  async redrive(@Param('topic') topic: string, @Body() body: RedriveBody, @OperatorFingerprint() fingerprint: string) {
    this.assertConsumed(topic);
    const [letters, redriven] = await Promise.all([this.letters(topic), redrivenLetters(this.db, topic)]);
    const chosen = selectLetters(letters, body.ids, redriven);
    const outcome = await redriveDeadLetters(this.kafka, this.namer, this.db, topic, chosen, { force: body.force === true });
    const answer = {
      topic,
      redriven: outcome.redriven.map((letter) => letter.id),
      refused: outcome.refused.map(({ letter, refusal }) => ({ id: letter.id, refusal })),
    };
    await this.audit.recordAlone({
      action: 'dlq.redrive',
      target: topic,
      reason: body.reason,
      tokenFingerprint: fingerprint,
      outcome: answer.redriven.length > 0 ? 'DONE' : 'NOTHING_SENT',
      details: { ...answer, force: body.force === true },
    });
    return answer;
  }

  private assertConsumed(topic: string): void {
    if (!this.operations.consumedTopics.includes(topic)) {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', code: 'OPERATOR.UNKNOWN_TOPIC', message: `${this.config.service} does not consume ${topic}` });
    }
  }

  private async letters(topic: string): Promise<DeadLetterEntry[]> {
    try {
      return await listDeadLetters(this.kafka, this.namer, topic, this.config.service);
    } catch (error) {
      // The consumer creates its dead-letter topics when it starts; before that there are none.
      if (error instanceof UnknownTopicError) return [];
      throw error;
    }
  }
}
