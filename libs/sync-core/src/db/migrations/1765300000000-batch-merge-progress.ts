import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * How many of a batch's records are merged and committed already. On the embedded database a
 * large file is merged in slices, each its own transaction, so small uploads are acknowledged
 * between them; a merge that stops mid-way (a crash, a restart) goes on after the records its
 * committed slices hold, with their counts.
 */
export class BatchMergeProgress1765300000000 implements MigrationInterface {
  name = 'BatchMergeProgress1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('batch', new TableColumn({ name: 'merged_records', type: 'integer', default: 0 }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('batch', 'merged_records');
  }
}
