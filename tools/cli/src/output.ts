import { Presets, SingleBar } from 'cli-progress';

/** Where results go: readable lines, or one JSON document with --json. Progress goes to stderr. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly progressEnabled: boolean,
  ) {}

  line(text: string): void {
    if (!this.json) process.stdout.write(`${text}\n`);
  }

  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A progress bar on stderr; cli-progress draws nothing when stderr is not a terminal. */
  progress(label: string, unit: string): ProgressBar {
    if (!this.progressEnabled) return { update: () => undefined, stop: () => undefined };
    const bar = new SingleBar(
      { format: `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total) {
        if (!started) {
          bar.start(total, value);
          started = true;
          return;
        }
        bar.setTotal(total);
        bar.update(value);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
}

export interface ProgressBar {
  update(value: number, total: number): void;
  stop(): void;
}
