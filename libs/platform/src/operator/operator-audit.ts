import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { appendToStreams, Database, Queryable, streamVersion } from '@restock/event-store';

/** Every operator action is an event on this stream of the service's own event store. */
export const OPERATOR_AUDIT_STREAM = 'operator-audit';
export const OPERATOR_ACTION_RECORDED = 'OperatorActionRecorded';

export interface OperatorAction {
  /** What was done, e.g. 'dlq.redrive', 'backorder.expedite'. */
  readonly action: string;
  /** What it was done to, e.g. a topic or `sku/orderId/lineId`. */
  readonly target: string;
  readonly reason: string;
  readonly tokenFingerprint: string;
  /** 'DONE', 'REFUSED', 'FAILED' or a more precise word of the action. */
  readonly outcome: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Records operator actions: an event on 'operator-audit' and a row in `operator_audit`, in one transaction. */
@Injectable()
export class OperatorAudit {
  constructor(private readonly db: Database) {}

  /** Records the action inside the caller's transaction, next to the effects it caused. */
  async record(tx: Queryable, action: OperatorAction, at: string): Promise<string> {
    const id = randomUUID();
    // Audit writers serialize on the stream; every other lock of the transaction was taken before.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [OPERATOR_AUDIT_STREAM]);
    const version = await streamVersion(tx, OPERATOR_AUDIT_STREAM);
    const data = { ...action, details: action.details ?? {}, recordedAt: at };
    await appendToStreams(tx, [{ streamId: OPERATOR_AUDIT_STREAM, expectedVersion: version, events: [{ id, type: OPERATOR_ACTION_RECORDED, data }] }]);
    await tx.query(
      `INSERT INTO operator_audit (id, action, target, reason, token_fingerprint, outcome, details, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, action.action, action.target, action.reason, action.tokenFingerprint, action.outcome, JSON.stringify(action.details ?? {}), at],
    );
    return id;
  }

  /** Records an action whose effects are not in the database (a redrive, a replay) in its own transaction. */
  recordAlone(action: OperatorAction): Promise<string> {
    return this.db.transaction((tx) => this.record(tx, action, new Date().toISOString()));
  }
}
