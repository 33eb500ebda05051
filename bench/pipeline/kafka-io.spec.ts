import { until } from './kafka-io';

describe('waiting for the pipeline', () => {
  it('answers when the condition comes true', async () => {
    let calls = 0;
    const at = await until(() => (calls += 1) > 2, 5_000, () => 'three calls');
    expect({ calls, at: at > 0 }).toEqual({ calls: 3, at: true });
  });

  it('fails at once, with the progress and the cause, when a part of the run crashed for good', async () => {
    const crash = new Error('The request included a message larger than the max message size the server will accept');
    const started = performance.now();
    const waiting = until(() => false, 60_000, () => 'baseline: 9558/20000 orders acknowledged', () => crash);
    await expect(waiting).rejects.toThrow('baseline: 9558/20000 orders acknowledged: The request included a message larger');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('fails at the timeout when nothing comes and nothing crashed', async () => {
    await expect(until(() => false, 50, () => 'nothing yet')).rejects.toThrow('timed out after 0.05 s: nothing yet');
  });
});
