import { ValueTransformer } from 'typeorm';

/**
 * The one place where column types are chosen so that the same entities and migrations run on
 * SQLite and PostgreSQL: ids are app-made UUID strings, times are ISO-8601 UTC strings (sortable,
 * no driver time-zone surprises), JSON is text, sequence numbers are 64-bit integers read back
 * as numbers.
 */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

export const idColumn = { type: 'varchar', length: 36 } as const;
export const timeColumn = { type: 'varchar', length: 32 } as const;
export const seqColumn = { type: 'bigint', transformer: bigintAsNumber } as const;
export const doubleColumn = { type: 'double precision', nullable: true } as const;
export const jsonColumn = { type: 'simple-json' } as const;

export function nowIso(): string {
  return new Date().toISOString();
}
