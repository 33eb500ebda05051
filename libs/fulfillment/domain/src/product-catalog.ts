import { assert } from './assertion';
import type { DefineProduct, DiscontinueProduct } from './commands';
import { type DecisionDraft, apply, currentState, reviewWaitingLines } from './decision-draft';
import { type Rejection, rejection } from './rejection';

export function defineProduct(command: DefineProduct, draft: DecisionDraft): Rejection | null {
  const policy = command.data;
  assert(Number.isSafeInteger(policy.maxBackorderDays) && policy.maxBackorderDays >= 0, 'maxBackorderDays must be an integer >= 0');
  assert(
    policy.leadTimeDays === null || (Number.isSafeInteger(policy.leadTimeDays) && policy.leadTimeDays >= 0),
    'leadTimeDays must be null or an integer >= 0',
  );
  apply(draft, {
    type: 'ProductDefined',
    data: {
      name: policy.name,
      backorderable: policy.backorderable,
      maxBackorderDays: policy.maxBackorderDays,
      leadTimeDays: policy.leadTimeDays,
      onLimitExceeded: policy.onLimitExceeded,
      definedAt: draft.now,
    },
  });
  reviewWaitingLines(draft, () => 'POLICY_CHANGED');
  return null;
}

/** Rule 10. Discontinuing is a catalog policy change for the lines that keep waiting. */
export function discontinueProduct(_command: DiscontinueProduct, draft: DecisionDraft): Rejection | null {
  const status = currentState(draft).catalog.status;
  if (status === 'UNDEFINED') {
    return rejection('FULFILLMENT.UNKNOWN_SKU', 'the product was never defined');
  }
  if (status === 'DISCONTINUED') {
    return null;
  }
  apply(draft, { type: 'ProductDiscontinued', data: { discontinuedAt: draft.now } });
  reviewWaitingLines(draft, () => 'POLICY_CHANGED');
  return null;
}
