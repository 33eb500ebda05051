import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, IsString, Length } from 'class-validator';

export const REASON_LENGTH_MAX = 500;
export const REDRIVE_IDS_MAX = 1_000;

/** Every operator action says why; the reason goes into the audit. */
export class OperatorReasonBody {
  @IsString()
  @Length(1, REASON_LENGTH_MAX)
  readonly reason!: string;
}

export class ReplayProjectionsBody extends OperatorReasonBody {
  @IsOptional()
  @IsBoolean()
  readonly swap?: boolean;
}

export class RedriveBody extends OperatorReasonBody {
  /** Letter ids (`partition:offset` in the DLQ) or CloudEvent ids; absent: every letter not yet redriven. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REDRIVE_IDS_MAX)
  @IsString({ each: true })
  readonly ids?: string[];

  /** Redrive letters that already failed after a redrive, or were already sent back. */
  @IsOptional()
  @IsBoolean()
  readonly force?: boolean;
}
