import { Command } from 'commander';
import type { CommandContext } from '../main';
import { replayProjections } from './replay-projections';
import { replayTopic } from './replay-topic';

export function replayCommands(context: CommandContext): Command {
  const replay = new Command('replay').description('rebuild read models from the event store, or re-consume a range of an input topic').exitOverride();
  replay
    .command('projections')
    .description('rebuild every read model of the service(s) into fresh tables while traffic flows, compare checksums with the live ones')
    .option('--service <name>', 'only this service (default: every service the CLI knows)')
    .option('--swap', 'replace the live tables by the rebuilt ones (in one transaction)')
    .exitOverride()
    .action((options: { service?: string; swap?: boolean }, command: Command) =>
      context.run(() => replayProjections(context.environment, context.output(command), options)),
    );
  replay
    .command('topic')
    .description('re-consume a range of an input topic through the consumers\' idempotent path (dry run first)')
    .argument('<topic>', 'the input topic, e.g. restock.orders.events.v1')
    .option('--from-offset <n>', 'start at this offset on every partition')
    .option('--from-time <time>', 'start at the first message at or after this time (RFC 3339)')
    .option('--to-time <time>', 'stop before the first message at or after this time (default: the end as of now)')
    .option('--dry-run', 'only count what the range would change')
    .option('--service <name>', 'count for this consuming service only')
    .exitOverride()
    .action((topic: string, options: { fromOffset?: string; fromTime?: string; toTime?: string; dryRun?: boolean; service?: string }, command: Command) =>
      context.run(() => replayTopic(context.environment, context.output(command), topic, options)),
    );
  return replay;
}
