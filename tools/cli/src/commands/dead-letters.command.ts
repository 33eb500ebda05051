import { Command } from 'commander';
import type { CommandContext } from '../main';
import { listLetters, redriveLetters } from './dead-letters';

export function dlqCommands(context: CommandContext): Command {
  const dlq = new Command('dlq').description('list and redrive the dead letters of an input topic (<topic>.dlq)').exitOverride();
  dlq
    .command('list')
    .description('every dead letter with its reason code and message, key, time and offset')
    .argument('<topic>', 'the input topic whose dead letters to list')
    .option('--service <name>', 'only letters this service dead-lettered')
    .exitOverride()
    .action((topic: string, options: { service?: string }, command: Command) => context.run(() => listLetters(context.environment, context.output(command), topic, options)));
  dlq
    .command('redrive')
    .description('send dead letters back to their input topic (default: every letter not yet redriven)')
    .argument('<topic>', 'the input topic')
    .option('--id <ids...>', 'only these letters: <partition>:<offset> in the DLQ, or CloudEvent ids')
    .option('--force', 'also send letters that failed again after a redrive, or were already redriven')
    .option('--service <name>', 'only letters this service dead-lettered')
    .exitOverride()
    .action((topic: string, options: { id?: string[]; force?: boolean; service?: string }, command: Command) =>
      context.run(() => redriveLetters(context.environment, context.output(command), topic, options)),
    );
  return dlq;
}
