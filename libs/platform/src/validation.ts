import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { fieldErrors } from '@restock/contracts';

/** Validates every HTTP body and query with the contract classes: unknown fields are refused. */
export function contractValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'the request is not valid', fields: fieldErrors(errors) }),
  });
}
