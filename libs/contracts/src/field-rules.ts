import {
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

export const ID_LENGTH_MAX = 200;
export const SKU_LENGTH_MAX = 64;
export const NAME_LENGTH_MAX = 200;
export const REASON_LENGTH_MAX = 500;
// Far above any real order line, and far below Number.MAX_SAFE_INTEGER so sums stay exact.
export const QUANTITY_MAX = 1_000_000_000;

// Printable ASCII without spaces: a SKU travels in URLs, Kafka keys and log lines unescaped.
export const SKU_PATTERN = /^[\x21-\x7e]+$/;

// Upper-case T and Z only, and no leap second, so that every accepted value also parses with Date.
const RFC3339_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Gregorian, as Date counts every year (proleptic before 1582). */
function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

// Arithmetic rather than a Date per check: every message validated checks a few dates.
function isValidDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!);
}

export function isRfc3339Timestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339_TIMESTAMP.exec(value);
  if (match === null) return false;
  return (
    isValidDay(Number(match[1]), Number(match[2]), Number(match[3])) &&
    Number(match[4]) <= 23 &&
    Number(match[5]) <= 59 &&
    Number(match[6]) <= 59 &&
    (match[7] === undefined || (Number(match[7]) <= 23 && Number(match[8]) <= 59))
  );
}

export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = CALENDAR_DATE.exec(value);
  return match !== null && isValidDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

function predicateDecorator(
  name: string,
  predicate: (value: unknown) => boolean,
  describe: (property: string) => string,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => describe(args.property), ...options },
      validator: { validate: (value: unknown) => predicate(value) },
    });
  };
}

export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return predicateDecorator(
    'isRfc3339',
    isRfc3339Timestamp,
    (property) => `${property} must be an RFC 3339 timestamp with a time zone, like 2026-12-01T09:30:00Z`,
    options,
  );
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return predicateDecorator(
    'isCalendarDate',
    isCalendarDate,
    (property) => `${property} must be a calendar date YYYY-MM-DD`,
    options,
  );
}

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    for (const decorate of decorators) decorate(target, propertyName);
  };
}

export function IsEntityId(options?: ValidationOptions): PropertyDecorator {
  return all(IsString(options), Length(1, ID_LENGTH_MAX, options));
}

export function IsSku(options?: ValidationOptions): PropertyDecorator {
  return all(
    IsString(options),
    Length(1, SKU_LENGTH_MAX, options),
    Matches(SKU_PATTERN, { message: '$property must be printable ASCII without spaces', ...options }),
  );
}

export function IsQuantity(options?: ValidationOptions): PropertyDecorator {
  return all(IsInt(options), Min(1, options), Max(QUANTITY_MAX, options));
}

export function IsCount(options?: ValidationOptions): PropertyDecorator {
  return all(IsInt(options), Min(0, options), Max(QUANTITY_MAX, options));
}

export function IsReason(options?: ValidationOptions): PropertyDecorator {
  return all(IsString(options), Length(1, REASON_LENGTH_MAX, options));
}

// The property must be present; null is a legitimate value (for example "no ETA yet").
export function Nullable(): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== null);
}

export function isSku(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= SKU_LENGTH_MAX && SKU_PATTERN.test(value);
}
