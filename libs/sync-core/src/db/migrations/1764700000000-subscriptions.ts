import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Outbound delivery: each subscription is a reader of its project's feed, with its cursor here. */
export class Subscriptions1764700000000 implements MigrationInterface {
  name = 'Subscriptions1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = (name: string, nullable = true) => ({ name, type: 'varchar', length: '32', isNullable: nullable });
    await queryRunner.createTable(
      new Table({
        name: 'subscription',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project_id', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'url', type: 'varchar', length: '2000' },
          { name: 'format', type: 'varchar', length: '16' },
          { name: 'kind', type: 'varchar', length: '16', isNullable: true },
          { name: 'device_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'headers', type: 'text' },
          { name: 'secret_encrypted', type: 'text' },
          { name: 'batch_size', type: 'integer' },
          { name: 'enabled', type: 'boolean', default: true },
          { name: 'cursor', type: 'bigint', default: 0 },
          { name: 'pending_to', type: 'bigint', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          time('next_attempt_at', false),
          time('first_failed_at'),
          { name: 'last_error', type: 'text', isNullable: true },
          time('last_delivered_at'),
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          time('lease_until'),
          time('created_at', false),
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
        indices: [{ columnNames: ['project_id'] }, { columnNames: ['next_attempt_at'] }],
      }),
      true,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('subscription', true);
  }
}
