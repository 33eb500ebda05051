import { FulfillmentMetrics, FulfillmentSaga, SkuStates } from '@restock/fulfillment-adapters';
import { loadServiceConfig, Metrics } from '@restock/platform';

/** The saga as the fulfillment module wires it, outside Nest: its own state cache and metrics. */
export function sagaForBench(): FulfillmentSaga {
  const metrics = new Metrics(loadServiceConfig('fulfillment', { KAFKA_BROKERS: '127.0.0.1:9092' }));
  return new FulfillmentSaga(new SkuStates(), new FulfillmentMetrics(metrics));
}
