import { Injectable, OnApplicationShutdown } from '@nestjs/common';

/** Work to finish when the application shuts down, for resources created outside Nest's graph. */
@Injectable()
export class ShutdownTasks implements OnApplicationShutdown {
  private readonly tasks: (() => Promise<void>)[] = [];

  add(task: () => Promise<void>): void {
    this.tasks.push(task);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task()));
  }
}
