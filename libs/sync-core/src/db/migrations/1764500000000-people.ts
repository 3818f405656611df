import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/** People with passwords and roles per project, their sessions, owned and revocable tokens, and the audit trail. */
export class People1764500000000 implements MigrationInterface {
  name = 'People1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, extra = {}) => ({ name, type: 'varchar', length: '36', ...extra });
    const varchar = (name: string, length: number, extra = {}) => ({ name, type: 'varchar', length: String(length), ...extra });
    const time = (name: string, nullable = false) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
    await queryRunner.createTable(
      new Table({
        name: 'account',
        columns: [
          id('id', { isPrimary: true }),
          varchar('login', 200, { isUnique: true }),
          varchar('display_name', 200),
          varchar('password_hash', 200),
          { name: 'site_admin', type: 'boolean', default: false },
          { name: 'enabled', type: 'boolean', default: true },
          time('created_at'),
        ],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'membership',
        columns: [id('account_id', { isPrimary: true }), id('project_id', { isPrimary: true }), varchar('role', 16)],
        foreignKeys: [
          { columnNames: ['account_id'], referencedTableName: 'account', referencedColumnNames: ['id'] },
          { columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] },
        ],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'session',
        columns: [varchar('id', 64, { isPrimary: true }), id('account_id'), varchar('csrf_token', 64), varchar('address', 64), time('created_at'), time('expires_at')],
        foreignKeys: [{ columnNames: ['account_id'], referencedTableName: 'account', referencedColumnNames: ['id'] }],
        indices: [{ columnNames: ['account_id'] }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.addColumns('admin_token', [
      new TableColumn({ name: 'owner', type: 'varchar', length: '200', isNullable: true }),
      new TableColumn({ name: 'last_used_at', type: 'varchar', length: '32', isNullable: true }),
      new TableColumn({ name: 'revoked_at', type: 'varchar', length: '32', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          time('at'),
          varchar('actor', 250),
          varchar('address', 64),
          varchar('action', 64),
          id('project_id', { isNullable: true }),
          varchar('target', 255, { isNullable: true }),
          { name: 'details', type: 'text' },
        ],
        indices: [{ columnNames: ['project_id', 'id'] }],
      }),
      true,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_event', true);
    for (const column of ['revoked_at', 'last_used_at', 'owner']) await queryRunner.dropColumn('admin_token', column);
    for (const name of ['session', 'membership', 'account']) await queryRunner.dropTable(name, true);
  }
}
