import { validateMessage, type CloudEvent } from '@restock/contracts';

/** A plain check: jest's expect is too slow for the thousands of checks of a property run. */
export function must(condition: boolean, invariant: string, context: unknown): asserts condition {
  if (!condition) throw new Error(`invariant broken: ${invariant}\n${JSON.stringify(context)}`);
}

/** A message as the next service reads it: serialized, then validated against its topic's contract. */
export function crossing(topic: string, value: unknown): CloudEvent {
  const result = validateMessage(topic, JSON.stringify(value));
  if (!result.ok) throw new Error(`a message on ${topic} breaks its contract: ${JSON.stringify(result.reason)}\n${JSON.stringify(value)}`);
  return result.event;
}

/** fast-check's run options: FC_NUM_RUNS runs (default `runs`); FC_SEED and FC_PATH replay a reported failure. */
export function runOptions(runs: number): { numRuns: number; seed?: number; path?: string } {
  return {
    numRuns: Number(process.env.FC_NUM_RUNS ?? runs),
    seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED),
    path: process.env.FC_PATH,
  };
}

/** The shortest run of steps fast-check generates: FC_MIN_STEPS (default 1), to force long runs. */
export function minSteps(): number {
  return Number(process.env.FC_MIN_STEPS ?? 1);
}

/** Runs each step, naming the step that broke an invariant. */
export function runSteps<Step>(steps: readonly Step[], run: (step: Step) => void): void {
  steps.forEach((step, index) => {
    try {
      run(step);
    } catch (error) {
      throw new Error(`step ${index} (${JSON.stringify(step)}): ${String(error)}`);
    }
  });
}
