import { assertNever } from './assertion';
import type { FulfillmentCommand } from './commands';
import { type DecisionDraft, closeDraft, openDraft } from './decision-draft';
import { catchUpWithTime } from './elapsed-time';
import type { FulfillmentEvent } from './events';
import type { FulfillmentState } from './fulfillment-state';
import { cancelLine, expediteLine, holdLine, placeLine } from './order-lines';
import { defineProduct, discontinueProduct } from './product-catalog';
import type { Rejection } from './rejection';
import { addSupply, cancelSupply, receiveStock, rescheduleSupply } from './supply-pipeline';
import { adjustStock, recordShipment } from './warehouse-stock';

export type Decision =
  | { readonly status: 'DECIDED'; readonly events: readonly FulfillmentEvent[] }
  | { readonly status: 'REJECTED'; readonly rejection: Rejection };

/**
 * Decides what one input means for the SKU. Pure and deterministic: it reads `state` without
 * changing it, takes time only from `command.metadata.now`, and returns the events to store (an
 * empty list when nothing happens) or a rejection (then nothing happens at all).
 */
export function decide(command: FulfillmentCommand, state: FulfillmentState): Decision {
  const draft = openDraft(state, command.metadata.now);
  catchUpWithTime(draft);
  const rejection = handle(command, draft);
  if (rejection !== null) {
    return { status: 'REJECTED', rejection };
  }
  return { status: 'DECIDED', events: closeDraft(draft) };
}

function handle(command: FulfillmentCommand, draft: DecisionDraft): Rejection | null {
  switch (command.type) {
    case 'DefineProduct':
      return defineProduct(command, draft);
    case 'DiscontinueProduct':
      return discontinueProduct(command, draft);
    case 'PlaceLine':
      return placeLine(command, draft);
    case 'CancelLine':
      return cancelLine(command, draft);
    case 'AddSupply':
      return addSupply(command, draft);
    case 'RescheduleSupply':
      return rescheduleSupply(command, draft);
    case 'CancelSupply':
      return cancelSupply(command, draft);
    case 'ReceiveStock':
      return receiveStock(command, draft);
    case 'AdjustStock':
      return adjustStock(command, draft);
    case 'RecordShipment':
      return recordShipment(command, draft);
    case 'Tick':
      return null;
    case 'ExpediteLine':
      return expediteLine(command, draft);
    case 'HoldLine':
      return holdLine(command, draft);
    default:
      return assertNever(command);
  }
}
