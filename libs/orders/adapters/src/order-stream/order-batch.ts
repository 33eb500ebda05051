import { enqueue, Queryable } from '@restock/event-store';
import { Rejection } from '@restock/messaging';
import { decide, evolve, OrderCommand, OrderEvent, orderIdOf, OrderRejection } from '@restock/orders-domain';
import { projectOrders } from '../order-view/orders-read-model';
import { outboxMessagesOf } from './order-messages';
import { OrderStates } from './order-states';
import { appendDecided, LoadedOrder, loadOrders } from './order-streams';

function rejectionOf(inputId: string, error: OrderRejection): Rejection {
  const code = error.code === 'ORDERS.CONFLICTING_DUPLICATE' ? 'CONFLICTING_DUPLICATE' : 'REJECTED';
  return { inputId, reason: { code, message: `${error.code}: ${error.message}` } };
}

function decideInto(order: LoadedOrder, inputId: string, command: OrderCommand): readonly OrderEvent[] {
  const events = decide(command, order.state);
  order.state = events.reduce(evolve, order.state);
  order.decided.push(...events.map((event) => ({ inputId, event })));
  return events;
}

/**
 * Runs a batch of order commands inside the consumer's transaction: every order of the batch is
 * loaded in one query, the commands are decided in input order against the evolving states, and
 * the new events, the outbox messages and the read model are each written in a few statements.
 * Inputs the domain refuses are returned for the dead-letter topic and leave no trace.
 */
export async function runOrderCommands(
  tx: Queryable,
  inputs: readonly { readonly inputId: string; readonly command: OrderCommand }[],
  cache: OrderStates,
): Promise<{ rejected: Rejection[] }> {
  if (inputs.length === 0) return { rejected: [] };
  const orders = await loadOrders(tx, inputs.map(({ command }) => orderIdOf(command)), cache);
  const rejected: Rejection[] = [];
  // Kept in input order across orders, so demand for one SKU reaches the saga in arrival order.
  const decidedInOrder: OrderEvent[] = [];
  for (const { inputId, command } of inputs) {
    try {
      decidedInOrder.push(...decideInto(orders.get(orderIdOf(command))!, inputId, command));
    } catch (error) {
      if (!(error instanceof OrderRejection)) throw error;
      rejected.push(rejectionOf(inputId, error));
    }
  }
  const changed = [...orders.values()].filter((order) => order.decided.length > 0);
  await appendDecided(tx, changed, cache);
  await enqueue(tx, decidedInOrder.flatMap(outboxMessagesOf));
  await projectOrders(
    tx,
    changed.map((order) => ({
      before: order.loadedState,
      after: order.state,
      version: order.loadedVersion + order.decided.length,
      events: order.decided.map(({ event }) => event),
    })),
  );
  return { rejected };
}
