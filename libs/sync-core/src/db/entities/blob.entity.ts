import { Column, Entity, EntitySchema, Index, PrimaryColumn } from 'typeorm';
import { idColumn, seqColumn, timeColumn } from '../columns.js';

/** Uploaded bytes, in the database in chunks or in a file; a blob is usable once it has its sha256. */
@Entity('blob')
export class Blob {
  @PrimaryColumn(idColumn) id: string;
  /** Null while chunks are still being written; unique once finalised (identical files share a blob). */
  @Index({ unique: true }) @Column({ type: 'varchar', length: 64, nullable: true }) sha256: string | null;
  @Column(seqColumn) size: number;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
  /** 'database': the bytes are its `blob_chunk` rows; 'file': a file in BLOB_DIR named by the id (see BlobFiles). */
  @Column({ type: 'varchar', length: 8, default: 'database' }) storage: BlobStorage;
}

export type BlobStorage = 'database' | 'file';

export interface BlobChunk {
  blobId: string;
  idx: number;
  bytes: Buffer;
}

export type DatabaseType = 'sqlite' | 'postgres';

/** Binary columns are the one type with no common TypeORM name (blob vs bytea), so the chunk table is declared per database. */
export function blobChunkSchema(databaseType: DatabaseType): EntitySchema<BlobChunk> {
  return new EntitySchema<BlobChunk>({
    name: 'BlobChunk',
    tableName: 'blob_chunk',
    columns: {
      blobId: { ...idColumn, primary: true, name: 'blob_id' },
      idx: { type: 'integer', primary: true },
      bytes: { type: bytesType(databaseType) },
    },
  });
}

export function bytesType(databaseType: DatabaseType): 'bytea' | 'blob' {
  return databaseType === 'postgres' ? 'bytea' : 'blob';
}
