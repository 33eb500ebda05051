import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { fieldErrors } from '@restock/contracts';

/** Distinct query strings per query class whose validated result a pipe keeps; past it the class's results start over. */
export const VALIDATED_QUERIES_MAX = 1_000;

type Primitive = string | number | boolean | null | undefined;

function isFlat(value: object): value is Record<string, Primitive> {
  return Object.values(value).every((field) => field === null || typeof field !== 'object');
}

/**
 * The global pipe: every HTTP body and query is validated with its contract class, unknown fields
 * refused. A query string met before is not validated again: reads such as availability arrive
 * thousands of times a second with a handful of distinct queries, and class-validator took about a
 * tenth of such a request. The result is kept only when the validated object has no nested values,
 * and each request gets its own copy of it.
 */
export class ContractValidationPipe extends ValidationPipe {
  private readonly validatedQueries = new Map<unknown, Map<string, Record<string, Primitive>>>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      exceptionFactory: (errors) =>
        new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'the request is not valid', fields: fieldErrors(errors) }),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metadata.type !== 'query' || !metatype || !this.toValidate(metadata) || typeof value !== 'object' || value === null) {
      return super.transform(value, metadata);
    }
    const key = JSON.stringify(value);
    const known = this.validatedQueries.get(metatype)?.get(key);
    if (known) return Object.assign(Object.create(metatype.prototype as object) as object, known);
    const entity: unknown = await super.transform(value, metadata);
    if (typeof entity === 'object' && entity !== null && isFlat(entity)) this.keep(metatype, key, { ...entity });
    return entity;
  }

  private keep(metatype: unknown, key: string, fields: Record<string, Primitive>): void {
    let byQuery = this.validatedQueries.get(metatype);
    if (!byQuery || byQuery.size >= VALIDATED_QUERIES_MAX) {
      byQuery = new Map();
      this.validatedQueries.set(metatype, byQuery);
    }
    byQuery.set(key, fields);
  }
}

/** Validates every HTTP body and query with the contract classes: unknown fields are refused. */
export function contractValidationPipe(): ValidationPipe {
  return new ContractValidationPipe();
}
