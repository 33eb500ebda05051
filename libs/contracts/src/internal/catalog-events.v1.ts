import { IsBoolean, IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import type { CloudEvent } from '../cloud-event';
import { IsRfc3339, IsSku, NAME_LENGTH_MAX, Nullable } from '../field-rules';
import { LIMIT_EXCEEDED_ACTIONS, type LimitExceededAction } from '../vocabulary';

export const PRODUCT_DEFINED = 'ProductDefined';
export const PRODUCT_DISCONTINUED = 'ProductDiscontinued';

export const MAX_BACKORDER_DAYS_MAX = 365;
export const MAX_BACKORDER_DAYS_DEFAULT = 30;
export const LEAD_TIME_DAYS_MAX = 3_650;
export const LIMIT_EXCEEDED_ACTION_DEFAULT: LimitExceededAction = 'NOTIFY';

// The full product policy after a PUT /products/{sku}; each definition replaces the previous one.
export class ProductDefinedData {
  @IsSku()
  readonly sku!: string;

  @IsString()
  @Length(1, NAME_LENGTH_MAX)
  readonly name!: string;

  @IsBoolean()
  readonly backorderable!: boolean;

  @IsInt()
  @Min(0)
  @Max(MAX_BACKORDER_DAYS_MAX)
  readonly maxBackorderDays!: number;

  // Null means no lead time is known, so units beyond the pipeline get no ETA.
  @Nullable()
  @IsInt()
  @Min(0)
  @Max(LEAD_TIME_DAYS_MAX)
  readonly leadTimeDays!: number | null;

  @IsIn(LIMIT_EXCEEDED_ACTIONS)
  readonly onLimitExceeded!: LimitExceededAction;

  @IsRfc3339()
  readonly definedAt!: string;
}

export class ProductDiscontinuedData {
  @IsSku()
  readonly sku!: string;

  @IsRfc3339()
  readonly discontinuedAt!: string;
}

export type ProductDefined = CloudEvent<typeof PRODUCT_DEFINED, ProductDefinedData>;
export type ProductDiscontinued = CloudEvent<typeof PRODUCT_DISCONTINUED, ProductDiscontinuedData>;
export type CatalogEvent = ProductDefined | ProductDiscontinued;
