import type { Projection } from '@restock/event-store';
import type { ServiceName } from '../config';

/**
 * What operators can do with a service: the read models replay rebuilds, and the topics its
 * consumer reads (their dead letters are in `<topic>.dlq`). Each service's adapters export one;
 * the operator endpoints and the `restock` CLI take it from there.
 */
export interface ServiceOperations {
  readonly service: ServiceName;
  readonly projections: readonly Projection[];
  /** Logical names of the topics the service's consumer reads. */
  readonly consumedTopics: readonly string[];
}

export const SERVICE_OPERATIONS = Symbol('SERVICE_OPERATIONS');
