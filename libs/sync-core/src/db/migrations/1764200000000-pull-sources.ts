import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class PullSources1764200000000 implements MigrationInterface {
  name = 'PullSources1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, extra = {}) => ({ name, type: 'varchar', length: '36', ...extra });
    const time = (name: string, nullable = true) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
    await queryRunner.createTable(
      new Table({
        name: 'source',
        columns: [
          id('id', { isPrimary: true }),
          id('project_id'),
          { name: 'url', type: 'varchar', length: '1000' },
          { name: 'username', type: 'varchar', length: '200', isNullable: true },
          { name: 'secret_encrypted', type: 'text', isNullable: true },
          { name: 'every_minutes', type: 'integer' },
          { name: 'delete_after_ingest', type: 'boolean', default: false },
          time('last_run_at'),
          time('last_success_at'),
          { name: 'last_error', type: 'text', isNullable: true },
          time('created_at', false),
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
        indices: [{ columnNames: ['project_id'] }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'source_file',
        columns: [
          id('id', { isPrimary: true }),
          id('source_id'),
          { name: 'remote_path', type: 'varchar', length: '1000' },
          { name: 'size', type: 'bigint' },
          { name: 'modified_at', type: 'varchar', length: '40' },
          { name: 'sha256', type: 'varchar', length: '64', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          id('batch_id', { isNullable: true }),
          time('updated_at', false),
        ],
        foreignKeys: [{ columnNames: ['source_id'], referencedTableName: 'source', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
        indices: [{ columnNames: ['source_id', 'remote_path', 'size', 'modified_at'], isUnique: true }],
      }),
      true,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('source_file', true);
    await queryRunner.dropTable('source', true);
  }
}
