import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { NAME_LENGTH_MAX } from '../field-rules';
import {
  LEAD_TIME_DAYS_MAX,
  LIMIT_EXCEEDED_ACTION_DEFAULT,
  MAX_BACKORDER_DAYS_DEFAULT,
  MAX_BACKORDER_DAYS_MAX,
} from '../internal/catalog-events.v1';
import { LIMIT_EXCEEDED_ACTIONS, type LimitExceededAction } from '../vocabulary';

// Body of PUT /products/{sku}. The defaults apply when the body is transformed into this class
// (ValidationPipe with transform: true, or plainToInstance).
export class ProductDefinitionBody {
  @IsString()
  @Length(1, NAME_LENGTH_MAX)
  readonly name!: string;

  @IsBoolean()
  readonly backorderable!: boolean;

  @IsInt()
  @Min(0)
  @Max(MAX_BACKORDER_DAYS_MAX)
  readonly maxBackorderDays: number = MAX_BACKORDER_DAYS_DEFAULT;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LEAD_TIME_DAYS_MAX)
  readonly leadTimeDays: number | null = null;

  @IsIn(LIMIT_EXCEEDED_ACTIONS)
  readonly onLimitExceeded: LimitExceededAction = LIMIT_EXCEEDED_ACTION_DEFAULT;
}
