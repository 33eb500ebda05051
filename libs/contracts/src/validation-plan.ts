import { getMetadataStorage, IS_LENGTH, ValidationTypes, type ValidationArguments } from 'class-validator';

/** A class whose decorators say what a valid object of it is. */
export type ValidatedClass = new () => object;

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

interface PropertyRule {
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
  /**
   * The arguments the rule is called with, one object per rule set anew for every call instead of
   * one allocated per call: validators run synchronously and keep nothing of them, and one object
   * per rule per property per message was a tenth of what orders and the saga allocated.
   */
  readonly args: { targetName: string; property: string; object: object; value: unknown; constraints: unknown[] };
}

interface PropertyPlan {
  readonly name: string;
  /** ValidateNested({ each: true }) with @Type: every element must pass this plan. */
  readonly elements: ValidationPlan | null;
  /** ValidateIf / IsOptional: when one of them answers false, class-validator skips the property. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly rules: readonly PropertyRule[];
}

/** A class's decorators, looked up once, as class-validator's validateSync would read them. */
export interface ValidationPlan {
  readonly properties: readonly PropertyPlan[];
  readonly known: ReadonlySet<string>;
}

// The metadata types a plan can check exactly; a class with any other (promises, rules with
// `each`, nested objects that are not arrays of one class) has no plan and always takes
// class-validator's own path.
const PLANNABLE_TYPES: ReadonlySet<string> = new Set([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.NESTED_VALIDATION,
]);

interface TypeMetadata {
  readonly typeFunction: () => unknown;
  readonly options?: { readonly discriminator?: unknown };
}

// class-transformer keeps what @Type says in a storage it exports only from this path; plainToInstance
// reads the element class of a nested array from it, and so does a plan.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transformerStorage = (require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: { findTypeMetadata(target: ValidatedClass, property: string): TypeMetadata | undefined };
}).defaultMetadataStorage;

const plans = new Map<ValidatedClass, ValidationPlan | null>();

/**
 * The plan of a class whose every rule is a synchronous check of one property, or an array of
 * objects of one planned class (ValidateNested each + @Type), or null.
 * Decorators run when their class is defined and a class's ancestors are defined before it, so the
 * metadata of a class no longer changes once it can be named here, and caching it is safe.
 */
export function validationPlanOf(target: ValidatedClass): ValidationPlan | null {
  if (!plans.has(target)) plans.set(target, buildPlan(target));
  return plans.get(target)!;
}

function buildPlan(target: ValidatedClass): ValidationPlan | null {
  const storage = getMetadataStorage();
  // The arguments validateSync passes without groups: always = false, strictGroups = false.
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
  if (metadatas.length === 0) return null;
  const nestedEach = (metadata: ValidationMetadata) => metadata.type === ValidationTypes.NESTED_VALIDATION && metadata.each === true;
  if (metadatas.some((metadata) => !PLANNABLE_TYPES.has(metadata.type) || (metadata.each && !nestedEach(metadata)))) return null;
  if (metadatas.some((metadata) => metadata.type === ValidationTypes.NESTED_VALIDATION && !nestedEach(metadata))) return null;
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  const properties: PropertyPlan[] = [];
  for (const [name, own] of byProperty) {
    const rules: PropertyRule[] = [];
    let elements: ValidationPlan | null = null;
    if (own.some(nestedEach)) {
      elements = elementPlanOf(target, name);
      if (elements === null) return null;
    }
    const checks = own.filter((candidate) => candidate.type === ValidationTypes.CUSTOM_VALIDATION || candidate.type === ValidationTypes.IS_DEFINED);
    for (const metadata of checks) {
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) return null;
        const instance = constraint.instance as { validate: PropertyRule['validate'] };
        const validate: PropertyRule['validate'] = (value, args) => instance.validate(value, args);
        rules.push({
          validate: metadata.name === IS_LENGTH ? lengthWithFastPath(metadata.constraints, validate) : validate,
          args: { targetName: '', property: metadata.propertyName, object: {}, value: undefined, constraints: metadata.constraints },
        });
      }
    }
    const conditions = own
      .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((metadata) => metadata.constraints[0] as (object: object, value: unknown) => boolean);
    properties.push({ name, elements, conditions, rules });
  }
  return { properties, known: new Set(byProperty.keys()) };
}

// Characters validator's isLength counts apart: surrogates (a pair is one character) and the
// variation selectors of presentation sequences (not a character of their own).
const COUNTED_APART = /[\uD800-\uDFFF\uFE0E\uFE0F]/;

/**
 * Length's check, answered directly for a string without any character isLength counts apart (its
 * length is then the string's length, and isLength's two regular-expression matches find nothing),
 * by class-validator otherwise. Ids and SKUs are such strings, and checking one allocated four
 * objects.
 */
function lengthWithFastPath(constraints: readonly unknown[], validate: PropertyRule['validate']): PropertyRule['validate'] {
  const min = (constraints[0] as number | undefined) || 0;
  const max = constraints[1] as number | undefined;
  return (value, args) => {
    if (typeof value !== 'string') return false;
    if (COUNTED_APART.test(value)) return validate(value, args);
    return value.length >= min && (max === undefined || value.length <= max);
  };
}

/** The plan of the class @Type names for a nested array's elements, as plainToInstance builds them. */
function elementPlanOf(target: ValidatedClass, property: string): ValidationPlan | null {
  const type = transformerStorage.findTypeMetadata(target, property);
  if (type === undefined || type.options?.discriminator !== undefined) return null;
  const element = type.typeFunction();
  return typeof element === 'function' ? validationPlanOf(element as ValidatedClass) : null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** class-validator validates each element of the array as an instance of the element class, with the same options. */
function elementsPass(plan: ValidationPlan, value: unknown, forbidUnknownProperties: boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (const element of value) if (!isPlainObject(element) || !passesPlan(plan, element, forbidUnknownProperties)) return false;
  return true;
}

function conditionsHold(property: PropertyPlan, object: object, value: unknown): boolean {
  for (const condition of property.conditions) if (!condition(object, value)) return false;
  return true;
}

/**
 * True when validateSync of `object` against the plan's class would find nothing wrong: the same
 * constraint functions are called with the same arguments, without building error objects. It
 * answers false at the first failure; the caller then asks class-validator for the errors.
 * `forbidUnknownProperties` stands for whitelist + forbidNonWhitelisted. Runs for every message
 * consumed, so it allocates nothing of its own (no closures, key lists or argument objects).
 */
export function passesPlan(plan: ValidationPlan, object: Record<string, unknown>, forbidUnknownProperties: boolean): boolean {
  if (forbidUnknownProperties) {
    for (const key in object) if (!plan.known.has(key) && Object.hasOwn(object, key)) return false;
  }
  const targetName = object.constructor ? object.constructor.name : '';
  for (const property of plan.properties) {
    const value = object[property.name];
    if (!conditionsHold(property, object, value)) continue;
    if (property.elements !== null && value !== undefined && !elementsPass(property.elements, value, forbidUnknownProperties)) return false;
    for (const { validate, args } of property.rules) {
      args.targetName = targetName;
      args.object = object;
      args.value = value;
      const valid = validate(value, args);
      // Let go of the message: the plan outlives it.
      args.object = EMPTY;
      args.value = undefined;
      if (valid !== true) return false;
    }
  }
  return true;
}

const EMPTY: object = Object.freeze({});
