import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, Length, validateSync } from 'class-validator';
import { CLOUD_EVENT_ATTRIBUTES, CloudEventEnvelope } from './cloud-event';
import { messageDataClass, registeredMessageTypes } from './message-registry';
import { TOPICS } from './topics';
import { DATA_VALIDATOR_OPTIONS } from './validation';
import { passesPlan, validationPlanOf, type ValidatedClass } from './validation-plan';

// class-transformer keeps its decorators here; plainToInstance reads nothing else.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: {
    getExposedMetadatas(target: ValidatedClass): unknown[];
    getExcludedMetadatas(target: ValidatedClass): unknown[];
    findTypeMetadata(target: ValidatedClass, property: string): unknown;
    findTransformMetadatas(target: ValidatedClass, property: string, transformationType: number): unknown[];
  };
};

const DATA_CLASSES: readonly (readonly [string, ValidatedClass])[] = Object.values(TOPICS).flatMap((topic) =>
  registeredMessageTypes(topic).map((type) => [`${topic} ${type}`, messageDataClass(topic, type)!] as const),
);

function propertiesOf(target: ValidatedClass): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(target, '', false, false, undefined).map((metadata) => metadata.propertyName))];
}

// Values that pass or fail the rules in use: ids, SKUs, timestamps, dates, counts, and every value
// an IsIn or Equals rule of the class allows, so that whole valid objects come up often.
function candidateValues(target: ValidatedClass): unknown[] {
  const allowed = getMetadataStorage()
    .getTargetValidationMetadatas(target, '', false, false, undefined)
    .flatMap((metadata) => (metadata.name === 'isIn' ? (metadata.constraints[0] as unknown[]) : metadata.name === 'equals' ? [metadata.constraints[0]] : []));
  return [
    ...allowed,
    'a',
    'SKU-1',
    '',
    ' ',
    'x'.repeat(201),
    'sku with space',
    '2026-12-01T09:30:00Z',
    '2026-12-01T09:30:00.123+01:00',
    '2026-02-30T09:30:00Z',
    '2026-12-01',
    '2026-13-01',
    0,
    1,
    7,
    -1,
    1.5,
    2_000_000_000,
    null,
    true,
    {},
    [],
    ['a'],
  ];
}

// The candidates class-validator accepts for one property on its own.
function passingValues(target: ValidatedClass, property: string, candidates: readonly unknown[]): unknown[] {
  return candidates.filter(
    (value) => !validateSync(plainToInstance(target, { [property]: value }), DATA_VALIDATOR_OPTIONS).some((error) => error.property === property),
  );
}

function elementClassOf(target: ValidatedClass, property: string): ValidatedClass | null {
  const type = defaultMetadataStorage.findTypeMetadata(target, property) as { typeFunction: () => ValidatedClass } | undefined;
  return type ? type.typeFunction() : null;
}

// Mostly values that pass, so whole valid objects are common and one bad value decides the answer.
// A nested array gets arrays of generated elements (unique ids come from the element generator's
// small pools, so some arrays repeat an id, as ArrayUnique must see).
function objectsFor(target: ValidatedClass, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const candidates = candidateValues(target);
  const anyValue = fc.constantFrom(...candidates);
  const valueOf = (property: string): fc.Arbitrary<unknown> => {
    const element = depth === 0 ? elementClassOf(target, property) : null;
    if (element !== null) return fc.oneof({ weight: 9, arbitrary: fc.array(objectsFor(element, depth + 1), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: anyValue });
    const passing = passingValues(target, property, candidates);
    return passing.length === 0 ? anyValue : fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...passing) }, { weight: 1, arbitrary: anyValue });
  };
  const properties = propertiesOf(target);
  const known = fc.record(Object.fromEntries(properties.map((property) => [property, valueOf(property)])), { requiredKeys: properties });
  const missing = fc.subarray(properties, { maxLength: 1 });
  const extra = fc.dictionary(fc.constantFrom('extra', 'constructor', 'toString', 'sku', 'lines'), anyValue, { maxKeys: 1 });
  return fc.tuple(known, missing, extra, fc.boolean()).map(([own, left, more, withExtra]) => {
    const data: Record<string, unknown> = withExtra ? { ...own, ...more } : { ...own };
    for (const property of left) delete data[property];
    return data;
  });
}

// plainToInstance drops keys that name a method of the instance (toString, constructor), so
// class-validator never sees them; a plan refuses them, and the message takes the full path.
function hasMethodKey(data: unknown): boolean {
  if (Array.isArray(data)) return data.some(hasMethodKey);
  if (typeof data !== 'object' || data === null) return false;
  return Object.entries(data).some(([key, value]) => key in Object.prototype || hasMethodKey(value));
}

describe('a validation plan', () => {
  test.each(DATA_CLASSES.filter(([, target]) => validationPlanOf(target) !== null))('accepts exactly what class-validator accepts: %s', (_name, target) => {
    const plan = validationPlanOf(target)!;
    fc.assert(
      fc.property(objectsFor(target), (data) => {
        const classValidatorAccepts = validateSync(plainToInstance(target, data), DATA_VALIDATOR_OPTIONS).length === 0;
        const planAccepts = passesPlan(plan, data, true);
        if (planAccepts) expect(classValidatorAccepts).toBe(true);
        if (!hasMethodKey(data)) expect(planAccepts).toBe(classValidatorAccepts);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly the envelopes class-validator accepts', () => {
    const plan = validationPlanOf(CloudEventEnvelope)!;
    fc.assert(
      fc.property(objectsFor(CloudEventEnvelope), (attributes) => {
        // Built as validateEvent builds it: only the known attributes are copied.
        const envelope = new CloudEventEnvelope();
        for (const name of CLOUD_EVENT_ATTRIBUTES) {
          if (Object.hasOwn(attributes, name)) Object.defineProperty(envelope, name, { value: attributes[name], enumerable: true });
        }
        const classValidatorAccepts = validateSync(envelope, { validationError: { target: false, value: false } }).length === 0;
        expect(passesPlan(plan, attributes, false)).toBe(classValidatorAccepts);
      }),
      { numRuns: 500 },
    );
  });

  it("answers Length as validator's isLength counts: surrogate pairs as one character, variation selectors as none", () => {
    class Lengths {
      @Length(2, 6)
      bounded!: string;

      @Length(3)
      atLeast!: string;
    }
    const plan = validationPlanOf(Lengths)!;
    const text = fc
      .array(fc.constantFrom('a', 'Z', '-', 'é', '\u{1F600}', '\uD83D', '\uDE00', '\uFE0F', '\uFE0E', '\u263A\uFE0F', ' '), { maxLength: 9 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(text, fc.constantFrom<unknown>(null, 7, ['ab'], undefined)), text, (bounded, atLeast) => {
        const object = { bounded, atLeast };
        const classValidatorAccepts = validateSync(plainToInstance(Lengths, object)).length === 0;
        expect(passesPlan(plan, object, true)).toBe(classValidatorAccepts);
      }),
      { numRuns: 2000 },
    );
  });

  it('exists for the flat classes on the busy internal topics', () => {
    for (const [topic, type] of [
      [TOPICS.orderEvents, 'OrderLinePlaced'],
      [TOPICS.fulfillmentEvents, 'LineDecided'],
      [TOPICS.fulfillmentEvents, 'LineAllocated'],
      [TOPICS.fulfillmentLedger, 'SkuLedgerChanged'],
    ] as const) {
      expect(validationPlanOf(messageDataClass(topic, type)!)).not.toBeNull();
    }
  });

  it('exists for orders, whose lines are an array of objects of one class', () => {
    expect(validationPlanOf(messageDataClass(TOPICS.ecommerceOrders, 'OrderPlaced')!)).not.toBeNull();
  });

  // A plan reads the message as it arrived; class-validator reads what plainToInstance made of it.
  // The two are the same only while class-transformer does no more than build the elements of a
  // nested array (@Type) on the class and its element classes.
  test.each(DATA_CLASSES.filter(([, target]) => validationPlanOf(target) !== null))('is only made for classes class-transformer leaves alone: %s', (_name, target) => {
    for (const checked of [target, ...propertiesOf(target).flatMap((property) => elementClassOf(target, property) ?? [])]) {
      expect(defaultMetadataStorage.getExposedMetadatas(checked)).toEqual([]);
      expect(defaultMetadataStorage.getExcludedMetadatas(checked)).toEqual([]);
      for (const property of propertiesOf(checked)) {
        for (const transformationType of [0, 1, 2]) expect(defaultMetadataStorage.findTransformMetadatas(checked, property, transformationType)).toEqual([]);
      }
    }
  });
});
