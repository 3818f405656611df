import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Where a blob's bytes are: 'database' (its `blob_chunk` rows) or 'file' (BLOB_DIR). The partial
 * index lets a process without BLOB_DIR find out at start, at once, whether any blob needs it.
 */
export class BlobFiles1764800000000 implements MigrationInterface {
  name = 'BlobFiles1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('blob', new TableColumn({ name: 'storage', type: 'varchar', length: '8', default: "'database'" }));
    await queryRunner.createIndex('blob', new TableIndex({ name: 'blob_in_files', columnNames: ['storage'], where: "storage = 'file'" }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('blob', 'blob_in_files');
    await queryRunner.dropColumn('blob', 'storage');
  }
}
