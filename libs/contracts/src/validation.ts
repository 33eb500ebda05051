import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { CLOUD_EVENT_ATTRIBUTES, CloudEventEnvelope, type CloudEvent } from './cloud-event';
import { messageDataClass, registeredMessageTypes, type MessageDataClass } from './message-registry';
import { isPlainObject, passesPlan, validationPlanOf } from './validation-plan';

// Far above any legitimate message (an order of ORDER_LINES_MAX lines is about 100 KiB) and at
// Kafka's default message.max.bytes, so an oversized value is rejected before it is parsed.
export const MESSAGE_BYTES_MAX = 1024 * 1024;

// CloudEvents extension attribute names are lower-case letters and digits, at most 20 of them.
const EXTENSION_ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const KNOWN_ATTRIBUTES: ReadonlySet<string> = new Set(CLOUD_EVENT_ATTRIBUTES);

// The same options the HTTP ValidationPipe uses, so a body and a message are judged alike.
export const DATA_VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

export type MessageRejectionCode = 'TOO_LARGE' | 'INVALID_JSON' | 'INVALID_ENVELOPE' | 'UNKNOWN_TYPE' | 'INVALID_DATA';

export interface FieldError {
  readonly field: string;
  readonly errors: readonly string[];
}

export interface MessageRejection {
  readonly code: MessageRejectionCode;
  readonly message: string;
  readonly fields: readonly FieldError[];
}

export type MessageValidation =
  | { readonly ok: true; readonly event: CloudEvent }
  /** A valid envelope of a type the topic has, but not one the caller takes: its data was not checked. */
  | { readonly ok: true; readonly event: CloudEvent; readonly passedOver: true }
  | { readonly ok: false; readonly reason: MessageRejection };

export interface ValidateMessageOptions {
  readonly maxBytes?: number;
  /**
   * The only types whose data the caller takes. A message of another type the topic allows is
   * answered as passed over once its envelope is valid; its data is left to those who take it.
   */
  readonly typesTaken?: ReadonlySet<string>;
}

export function validateMessage(
  topic: string,
  value: Buffer | string | null,
  options: ValidateMessageOptions = {},
): MessageValidation {
  const maxBytes = options.maxBytes ?? MESSAGE_BYTES_MAX;
  if (value === null) return rejected('INVALID_JSON', 'message has no value');
  const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
  if (size > maxBytes) return rejected('TOO_LARGE', `message is ${size} bytes, more than the ${maxBytes} allowed`);
  const parsed = parseMessageJson(value);
  if (!parsed.ok) return parsed;
  return validateParsedMessage(topic, parsed.json, options.typesTaken);
}

/**
 * Judges one message that was already parsed, as validateMessage does after parsing: a CloudEvent
 * taken out of a packed record (libs/messaging, packed-records.ts) is judged this way.
 */
export function validateParsedMessage(topic: string, json: unknown, typesTaken?: ReadonlySet<string>): MessageValidation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return rejected('INVALID_ENVELOPE', 'message must be a CloudEvents JSON object');
  }
  const attributes = json as Record<string, unknown>;
  const envelopeErrors = [...envelopeAttributeErrors(attributes), ...extensionAttributeErrors(attributes)];
  if (envelopeErrors.length > 0) {
    return rejected('INVALID_ENVELOPE', 'message is not a valid CloudEvents 1.0 envelope', envelopeErrors);
  }
  const event = json as CloudEvent<string, object>;
  const dataClass = messageDataClass(topic, event.type);
  if (dataClass === undefined) {
    const allowed = registeredMessageTypes(topic).join(', ') || 'none';
    const message = `type ${event.type} is not allowed on ${topic} (allowed: ${allowed})`;
    return rejected('UNKNOWN_TYPE', message, [{ field: 'type', errors: [message] }]);
  }
  if (typesTaken !== undefined && !typesTaken.has(event.type)) return { ok: true, event, passedOver: true };
  const dataErrors = dataFieldErrors(dataClass, event.data);
  if (dataErrors.length > 0) return rejected('INVALID_DATA', `data is not a valid ${event.type}`, dataErrors);
  return { ok: true, event };
}

// Every consumer validates every message, so the common case (a valid message) is checked with the
// class's validation plan; only a class a plan cannot express, or a message the plan finds fault
// with, goes through class-transformer and class-validator, which name the errors.
function dataFieldErrors(dataClass: MessageDataClass, data: unknown): FieldError[] {
  const plan = validationPlanOf(dataClass);
  if (plan !== null && isPlainObject(data) && passesPlan(plan, data, true)) return [];
  return fieldErrors(validateSync(plainToInstance(dataClass, data), DATA_VALIDATOR_OPTIONS), 'data', isPlainObject(data) ? data : undefined);
}

// Flattens class-validator's error tree into one entry per offending field, with dotted paths
// such as "data.lines.0.quantity"; the HTTP layer returns the same shape in 400 bodies.
export function fieldErrors(errors: readonly ValidationError[], prefix = '', validated?: object): FieldError[] {
  return errors.flatMap((error) => {
    // class-validator leaves the property empty when the value itself is unknown (not an instance).
    const property = error.property === undefined || error.property === '' ? undefined : error.property;
    const field = property === undefined ? prefix : prefix === '' ? property : `${prefix}.${property}`;
    const value = valueOf(error, property, validated);
    const nested = fieldErrors(error.children ?? [], field, value.known && typeof value.value === 'object' && value.value !== null ? value.value : undefined);
    const own = ownErrors(error, property, value);
    return own.length > 0 ? [{ field, errors: own }, ...nested] : nested;
  });
}

type KnownValue = { readonly known: true; readonly value: unknown } | { readonly known: false };

// The HTTP pipe's errors carry the value they judged; the message path leaves values out of its
// errors (they would travel into dead letters) and passes the validated object instead.
function valueOf(error: ValidationError, property: string | undefined, validated: object | undefined): KnownValue {
  if (Object.hasOwn(error, 'value')) return { known: true, value: error.value as unknown };
  if (validated === undefined || property === undefined) return { known: false };
  return { known: true, value: Object.hasOwn(validated, property) ? (validated as Record<string, unknown>)[property] : undefined };
}

// An absent field fails every constraint it has ("must be an array", "must contain at least 1
// elements", ...); naming them all hides the one thing to fix, so it is reported as missing. An
// optional field is never judged when absent, so this only speaks of required ones.
function ownErrors(error: ValidationError, property: string | undefined, value: KnownValue): string[] {
  const constraints = error.constraints ?? {};
  const messages = Object.values(constraints);
  if (messages.length === 0 || property === undefined || !value.known || 'whitelistValidation' in constraints) return messages;
  if (value.value === undefined) return [`${property} is required`];
  if (value.value === null) return [`${property} must not be null`];
  return messages;
}

export type ParsedJson = { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly reason: MessageRejection };

const utf8 = new TextDecoder('utf-8', { fatal: true });

// A key can only spell __proto__ literally or with \u escapes; text with neither cannot hold one
// and skips the reviver, which costs a call per key and value.
function mayHoldPrototypeKey(text: string): boolean {
  return text.includes('__proto__') || text.includes('\\u');
}

/** Parses a message's UTF-8 JSON; invalid UTF-8 or JSON, or a `__proto__` key, is an INVALID_JSON rejection. */
export function parseMessageJson(value: Buffer | string): ParsedJson {
  let prototypeKeyFound = false;
  try {
    const text = typeof value === 'string' ? value : utf8.decode(value);
    if (!mayHoldPrototypeKey(text)) return { ok: true, json: JSON.parse(text) as unknown };
    // A "__proto__" key would replace an object's prototype when copied into a class instance.
    const json: unknown = JSON.parse(text, (key, nested: unknown) => {
      if (key === '__proto__') prototypeKeyFound = true;
      return nested;
    });
    if (prototypeKeyFound) return rejected('INVALID_JSON', 'message must not contain a "__proto__" key');
    return { ok: true, json };
  } catch (error: unknown) {
    return rejected('INVALID_JSON', `message is not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function envelopeAttributeErrors(attributes: Record<string, unknown>): FieldError[] {
  // No attribute name is a property of Object.prototype, so the plan reads the same values from
  // the message as validateSync reads from the copy below.
  const plan = validationPlanOf(CloudEventEnvelope);
  if (plan !== null && passesPlan(plan, attributes, false)) return [];
  // Only the known attributes are copied, so nothing in the message can reach the prototype.
  const envelope = new CloudEventEnvelope();
  for (const name of CLOUD_EVENT_ATTRIBUTES) {
    if (Object.hasOwn(attributes, name)) Object.defineProperty(envelope, name, { value: attributes[name], enumerable: true });
  }
  return fieldErrors(validateSync(envelope, { validationError: { target: false, value: false } }), '', attributes);
}

function extensionAttributeErrors(envelope: Record<string, unknown>): FieldError[] {
  return Object.keys(envelope)
    .filter((name) => !KNOWN_ATTRIBUTES.has(name))
    .flatMap((name) => {
      if (!EXTENSION_ATTRIBUTE_NAME.test(name)) {
        return [{ field: name, errors: [`${name} is not a CloudEvents attribute or extension name (a-z, 0-9, at most 20)`] }];
      }
      const value = envelope[name];
      const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
      return scalar ? [] : [{ field: name, errors: [`extension attribute ${name} must be a string, number or boolean`] }];
    });
}

function rejected(code: MessageRejectionCode, message: string, fields: readonly FieldError[] = []): {
  readonly ok: false;
  readonly reason: MessageRejection;
} {
  return { ok: false, reason: { code, message, fields } };
}
