import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';
import { bytesType } from '../entities/blob.entity.js';

// Written with TypeORM's Table API so one migration creates the same schema on SQLite and PostgreSQL.
const id = (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'varchar', length: '36', ...extra });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '32', isNullable: nullable });
const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const integer = (name: string, defaultValue = 0): TableColumnOptions => ({ name, type: 'integer', default: defaultValue });
const double = (name: string): TableColumnOptions => ({ name, type: 'double precision', isNullable: true });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const databaseType = queryRunner.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';
    const tables = [
      new Table({
        name: 'project',
        columns: [id('id', { isPrimary: true }), { ...varchar('slug', 64), isUnique: true }, varchar('name', 200), time('created_at')],
      }),
      new Table({
        name: 'device',
        columns: [
          id('id', { isPrimary: true }),
          id('project_id'),
          varchar('name', 200),
          { ...varchar('login', 100), isUnique: true },
          { ...varchar('secret_key_id', 32), isUnique: true },
          varchar('secret_hash', 200),
          { name: 'enabled', type: 'boolean', default: true },
          time('created_at'),
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
        indices: [{ columnNames: ['project_id'] }],
      }),
      new Table({
        name: 'admin_token',
        columns: [id('id', { isPrimary: true }), varchar('name', 200), varchar('secret_hash', 200), varchar('role', 16), text('project_ids', true), time('created_at')],
      }),
      new Table({
        name: 'blob',
        columns: [id('id', { isPrimary: true }), varchar('sha256', 64, true), { name: 'size', type: 'bigint' }, time('created_at')],
        indices: [{ columnNames: ['sha256'], isUnique: true }],
      }),
      new Table({
        name: 'blob_chunk',
        columns: [id('blob_id', { isPrimary: true }), { name: 'idx', type: 'integer', isPrimary: true }, { name: 'bytes', type: bytesType(databaseType) }],
      }),
      new Table({
        name: 'batch',
        columns: [
          id('id', { isPrimary: true }),
          id('project_id'),
          id('device_id', { isNullable: true }),
          varchar('door', 16),
          varchar('file_name', 255, true),
          id('blob_id'),
          varchar('format', 32, true),
          varchar('status', 16),
          integer('records_count'),
          integer('new_count'),
          integer('updated_count'),
          integer('duplicate_count'),
          integer('rejected_count'),
          text('error', true),
          integer('attempts'),
          time('received_at'),
          time('updated_at'),
          time('consolidated_at', true),
        ],
        foreignKeys: [
          { columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] },
          { columnNames: ['blob_id'], referencedTableName: 'blob', referencedColumnNames: ['id'] },
        ],
        indices: [{ columnNames: ['project_id', 'received_at'] }, { columnNames: ['status'] }],
      }),
      new Table({
        name: 'rejection',
        columns: [id('batch_id', { isPrimary: true }), { name: 'record_index', type: 'integer', isPrimary: true }, text('reason')],
        foreignKeys: [{ columnNames: ['batch_id'], referencedTableName: 'batch', referencedColumnNames: ['id'] }],
      }),
      new Table({
        name: 'sighting',
        columns: [
          id('id', { isPrimary: true }),
          id('project_id'),
          varchar('uid', 128),
          varchar('device_id', 128, true),
          varchar('kind', 16),
          varchar('observed_at', 40, true),
          double('latitude'),
          double('longitude'),
          double('altitude'),
          double('accuracy'),
          text('data'),
          text('attachments'),
          { name: 'deleted', type: 'boolean', default: false },
          varchar('content_hash', 64),
          { name: 'revision', type: 'integer' },
          { name: 'seq', type: 'bigint' },
          id('batch_id'),
          time('received_at'),
          time('updated_at'),
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
        indices: [
          { columnNames: ['project_id', 'uid'], isUnique: true },
          { columnNames: ['project_id', 'seq'], isUnique: true },
        ],
      }),
      new Table({
        name: 'project_feed',
        columns: [id('project_id', { isPrimary: true }), { name: 'last_seq', type: 'bigint', default: 0 }],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table, true, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['project_feed', 'sighting', 'rejection', 'batch', 'blob_chunk', 'blob', 'admin_token', 'device', 'project']) {
      await queryRunner.dropTable(name, true);
    }
  }
}
