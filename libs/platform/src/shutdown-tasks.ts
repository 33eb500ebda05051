import { Injectable, OnApplicationShutdown } from '@nestjs/common';

/** Work to finish when the application shuts down, for resources created outside Nest's graph. */
@Injectable()
export class ShutdownTasks implements OnApplicationShutdown {
  private readonly tasks: (() => Promise<void>)[] = [];

  add(task: () => Promise<void>): void {
    this.tasks.push(task);
  }

  private finished: Promise<void> | null = null;

  /** Runs the tasks once; every caller waits for the same run. */
  onApplicationShutdown(): Promise<void> {
    this.finished ??= Promise.all(this.tasks.map((task) => task())).then(() => undefined);
    return this.finished;
  }
}
