import { DeadLetterEntry, listDeadLetters, redriveDeadLetters, redrivenLetters } from '@restock/messaging';
import { SERVICES, ServiceName } from '@restock/platform';
import { Environment } from '../environment';
import { CliError, EXIT } from '../exit-codes';
import { Output } from '../output';

export interface DeadLetterOptions {
  readonly service?: string;
}

export interface RedriveOptions extends DeadLetterOptions {
  readonly id?: string[];
  readonly force?: boolean;
}

function serviceOf(consumer: string | null): ServiceName | null {
  return consumer !== null && Object.prototype.hasOwnProperty.call(SERVICES, consumer) ? (consumer as ServiceName) : null;
}

function checkedService(name: string | undefined): string | undefined {
  if (name !== undefined && serviceOf(name) === null) throw new CliError(EXIT.notFound, `unknown service ${JSON.stringify(name)}; known: ${Object.keys(SERVICES).join(', ')}`);
  return name;
}

/** Which letters were already sent back, from the database of each service that dead-lettered them. */
async function redriven(environment: Environment, topic: string, letters: readonly DeadLetterEntry[]): Promise<Map<string, Date>> {
  const all = new Map<string, Date>();
  const services = new Set(letters.map((letter) => serviceOf(letter.consumer)).filter((service): service is ServiceName => service !== null));
  for (const service of services) {
    for (const [id, at] of await redrivenLetters(environment.database(service), topic)) all.set(id, at);
  }
  return all;
}

function view(letter: DeadLetterEntry, redrivenAt: Date | undefined) {
  const { message: _message, ...rest } = letter;
  return { ...rest, redrivenAt: redrivenAt?.toISOString() ?? null };
}

/** `restock dlq list TOPIC`: every dead letter of the topic with its reason. */
export async function listLetters(environment: Environment, output: Output, topic: string, options: DeadLetterOptions): Promise<number> {
  const letters = await listDeadLetters(environment.kafka, environment.namer, topic, checkedService(options.service));
  const done = await redriven(environment, topic, letters);
  output.line(`${letters.length} dead letter(s) in ${topic}.dlq`);
  for (const letter of letters) {
    const status = done.has(letter.id) ? `redriven ${done.get(letter.id)!.toISOString()}` : 'pending';
    output.line(
      `${letter.id}  ${letter.code}  key=${letter.key ?? '-'}  time=${letter.failedAt}  consumer=${letter.consumer ?? '-'}  event=${letter.eventId ?? '-'}  redrives=${letter.redriveCount}  ${status}\n    ${letter.reason}`,
    );
  }
  output.result({ topic, letters: letters.map((letter) => view(letter, done.get(letter.id))) });
  return EXIT.ok;
}

function select(letters: readonly DeadLetterEntry[], ids: readonly string[] | undefined, done: ReadonlyMap<string, Date>): DeadLetterEntry[] {
  if (!ids || ids.length === 0) return letters.filter((letter) => !done.has(letter.id));
  const unknown = ids.filter((id) => !letters.some((letter) => letter.id === id || letter.eventId === id));
  if (unknown.length > 0) throw new CliError(EXIT.notFound, `no dead letter ${unknown.join(', ')} in the dead letters of this topic`);
  return letters.filter((letter) => ids.includes(letter.id) || (letter.eventId !== null && ids.includes(letter.eventId)));
}

/**
 * `restock dlq redrive TOPIC`: sends the chosen letters (default: every one not yet redriven) back
 * to the topic. Exit 1 when a letter named with --id was refused.
 */
export async function redriveLetters(environment: Environment, output: Output, topic: string, options: RedriveOptions): Promise<number> {
  const letters = await listDeadLetters(environment.kafka, environment.namer, topic, checkedService(options.service));
  const done = await redriven(environment, topic, letters);
  const chosen = select(letters, options.id, done);
  const byService = new Map<ServiceName, DeadLetterEntry[]>();
  for (const letter of chosen) {
    const service = serviceOf(letter.consumer);
    if (service === null) throw new CliError(EXIT.failed, `dead letter ${letter.id} names no known consumer (${letter.consumer ?? 'none'}); cannot record its redrive`);
    byService.set(service, [...(byService.get(service) ?? []), letter]);
  }
  const redrivenIds: string[] = [];
  const refused: { id: string; refusal: string }[] = [];
  for (const [service, mine] of byService) {
    const outcome = await redriveDeadLetters(environment.kafka, environment.namer, environment.database(service), topic, mine, { force: options.force === true });
    redrivenIds.push(...outcome.redriven.map((letter) => letter.id));
    refused.push(...outcome.refused.map(({ letter, refusal }) => ({ id: letter.id, refusal })));
  }
  output.line(`redriven ${redrivenIds.length} dead letter(s) to ${topic}${redrivenIds.length > 0 ? `: ${redrivenIds.join(', ')}` : ''}`);
  for (const entry of refused) {
    output.line(`  refused ${entry.id}: ${entry.refusal === 'REDRIVE_LIMIT' ? 'it failed again after a redrive (use --force to send it anyway)' : 'already redriven (use --force to send it again)'}`);
  }
  output.result({ topic, redriven: redrivenIds, refused });
  if (options.id && options.id.length > 0 && refused.length > 0) throw new CliError(EXIT.failed, `${refused.length} dead letter(s) refused`);
  return EXIT.ok;
}
