import { Command, CommanderError, Option } from 'commander';
import { dlqCommands } from './commands/dead-letters.command';
import { processedInputs } from './commands/processed-inputs';
import { replayCommands } from './commands/replay.command';
import { Environment } from './environment';
import { classify, EXIT } from './exit-codes';
import { Output } from './output';

const EXIT_CODES_HELP = `
Environment: DATABASE_URL, KAFKA_BROKERS, RESTOCK_TOPIC_PREFIX (as for the services).

Exit codes:
  0  done
  1  failed (including: a rebuilt read model differs and was not swapped, a named dead letter was refused)
  2  usage: bad command, option or argument
  3  unreachable: Kafka or PostgreSQL did not answer
  4  not found: unknown topic, service or dead letter
`;

/** What every command gets: the environment's connections and where to write. */
export interface CommandContext {
  readonly environment: Environment;
  output(command: Command): Output;
  /** Runs a command's work and records its exit code. */
  run(work: () => Promise<number>): Promise<void>;
}

function program(context: CommandContext): Command {
  const root = new Command('restock')
    .description('Operate Restock: rebuild read models, re-consume input topics, list and redrive dead letters, look into processed input ids.')
    .addOption(new Option('--json', 'print the result as JSON'))
    .addOption(new Option('--no-progress', 'draw no progress bars'))
    .exitOverride()
    .showHelpAfterError('(restock --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  root.addCommand(replayCommands(context));
  root.addCommand(dlqCommands(context));
  root
    .command('inputs')
    .description("each consuming service's processed input ids: how many, how long they are kept by its topics' retention, how many are past it")
    .option('--service <name>', 'only this service (default: every service the CLI knows that consumes topics)')
    .option('--retention <policy>', 'as RESTOCK_PROCESSED_INPUTS_RETENTION of the service: topics, forever or <N>d', 'topics')
    .option('--prune', 'delete the ids past the window now, as the service does every hour')
    .exitOverride()
    .action((options: { service?: string; retention?: string; prune?: boolean }, command: Command) =>
      context.run(() => processedInputs(context.environment, context.output(command), options)),
    );
  return root;
}

async function main(argv: readonly string[]): Promise<number> {
  const environment = new Environment(process.env);
  let exitCode: number = EXIT.ok;
  const context: CommandContext = {
    environment,
    output: (command) => {
      const options = command.optsWithGlobals<{ json?: boolean; progress?: boolean }>();
      return new Output(options.json === true, options.progress !== false);
    },
    run: async (work) => {
      exitCode = await work();
    },
  };
  try {
    await program(context).parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    const failure = classify(error);
    process.stderr.write(`restock: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    await environment.close();
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`restock: ${String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
