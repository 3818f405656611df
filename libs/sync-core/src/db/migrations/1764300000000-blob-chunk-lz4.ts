import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL compresses large bytea values with pglz, which capped how fast uploads could be
 * written (about 65 MB/s over FTP, the database busy and FieldSync idle). lz4 compresses uploads
 * about as well at twice the speed. Servers built without lz4 keep pglz; SQLite does not compress.
 */
export class BlobChunkLz41764300000000 implements MigrationInterface {
  name = 'BlobChunkLz41764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`DO $$ BEGIN
      ALTER TABLE blob_chunk ALTER COLUMN bytes SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
      RAISE NOTICE 'lz4 is not available on this server; blob chunks keep pglz compression';
    END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('ALTER TABLE blob_chunk ALTER COLUMN bytes SET COMPRESSION pglz');
  }
}
