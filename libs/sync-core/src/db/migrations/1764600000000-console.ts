import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * What the console reads: earlier versions of a sighting (its revision history), and the
 * indexes behind the live batch list (changes since a time) and a device's last upload.
 */
export class Console1764600000000 implements MigrationInterface {
  name = 'Console1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sighting_version',
        columns: [
          { name: 'project_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'uid', type: 'varchar', length: '128', isPrimary: true },
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'revision', type: 'integer' },
          { name: 'device_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'observed_at', type: 'varchar', length: '40', isNullable: true },
          { name: 'latitude', type: 'double precision', isNullable: true },
          { name: 'longitude', type: 'double precision', isNullable: true },
          { name: 'altitude', type: 'double precision', isNullable: true },
          { name: 'accuracy', type: 'double precision', isNullable: true },
          { name: 'data', type: 'text' },
          { name: 'attachments', type: 'text' },
          { name: 'deleted', type: 'boolean', default: false },
          { name: 'batch_id', type: 'varchar', length: '36' },
          { name: 'received_at', type: 'varchar', length: '32' },
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createIndex('batch', new TableIndex({ name: 'IDX_batch_project_updated', columnNames: ['project_id', 'updated_at'] }));
    await queryRunner.createIndex('batch', new TableIndex({ name: 'IDX_batch_device_received', columnNames: ['device_id', 'received_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('batch', 'IDX_batch_device_received');
    await queryRunner.dropIndex('batch', 'IDX_batch_project_updated');
    await queryRunner.dropTable('sighting_version', true);
  }
}
