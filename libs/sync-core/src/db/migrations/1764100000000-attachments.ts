import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class Attachments1764100000000 implements MigrationInterface {
  name = 'Attachments1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'attachment',
        columns: [
          { name: 'project_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'sha256', type: 'varchar', length: '64', isPrimary: true },
          { name: 'blob_id', type: 'varchar', length: '36' },
          { name: 'content_type', type: 'varchar', length: '100' },
          { name: 'name', type: 'varchar', length: '255' },
        ],
        foreignKeys: [
          { columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] },
          { columnNames: ['blob_id'], referencedTableName: 'blob', referencedColumnNames: ['id'] },
        ],
      }),
      true,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('attachment', true);
  }
}
