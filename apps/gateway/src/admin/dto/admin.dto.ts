import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';

export class CreateProjectDto {
  @ApiProperty({ example: 'kruger-2026', description: 'lowercase letters, digits and dashes' })
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { message: 'slug must be 1-64 lowercase letters, digits or dashes' })
  slug: string;

  @ApiProperty({ example: 'Kruger carnivore survey 2026' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class CreateDeviceDto {
  @ApiProperty({ example: 'Ranger handheld 7' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class UpdateDeviceDto {
  @ApiProperty({ required: false, description: 'false refuses every further login of the device' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ required: false, example: 'Ranger 7 handheld' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class CreateTokenDto {
  @ApiProperty({ example: 'nightly export' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ['admin', 'read-only'] })
  @IsIn(['admin', 'read-only'])
  role: 'admin' | 'read-only';

  @ApiPropertyOptional({ type: [String], description: 'project slugs; omit for every project' })
  // Omitted means every project; null is not a list (it used to reach the service and fail with 500).
  @ValidateIf((_dto, value) => value !== undefined)
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  projects?: string[];
}

export class CreateSourceDto {
  @ApiProperty({ example: 'ftps://ftp.example.org:21/CTData', description: 'ftp://, ftps:// or an absolute folder path' })
  @IsString()
  @Length(1, 1000)
  url: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 200)
  username?: string;

  @ApiPropertyOptional({ description: 'stored encrypted with FIELDSYNC_SECRET_KEY; never shown again' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  password?: string;

  @ApiProperty({ example: 15, description: 'minutes between pulls' })
  @IsInt()
  @Min(1)
  @Max(10080)
  everyMinutes: number;

  @ApiPropertyOptional({ default: false, description: 'delete remote files once ingested' })
  @IsOptional()
  @IsBoolean()
  deleteAfterIngest?: boolean;
}

/** Every field optional: what is left out stays as it was. */
export class UpdateProjectDto {
  @ApiPropertyOptional({ example: 'Kruger carnivore survey 2027' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'with published forms, take OpenRosa submissions that name another form or version (default false: refused with 404, as ODK Central does)' })
  @IsOptional()
  @IsBoolean()
  acceptUnknownForms?: boolean;
}

/** Every field optional: what is left out stays as it was. */
export class UpdateSourceDto {
  @ApiPropertyOptional({ example: 'ftps://ftp.example.org:21/CTData' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  url?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 200)
  username?: string;

  @ApiPropertyOptional({ description: 'a new password (stored encrypted); "" removes it; left out, it is kept' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  password?: string;

  @ApiPropertyOptional({ description: 'minutes between pulls' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10080)
  everyMinutes?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  deleteAfterIngest?: boolean;
}
