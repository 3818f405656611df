import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * The data manager's desk: a review state per sighting (every existing one is `received`), who made
 * a version and why when a person corrected it (null: a device sent it), the content hash of the
 * device's own last version while a correction stands over it (so a device resending what the
 * server already has never undoes a correction), and comments on sightings.
 * Plain ALTER TABLE … ADD COLUMN on both stores: TypeORM would rebuild SQLite's largest table.
 */
export class ReviewDesk1765400000000 implements MigrationInterface {
  name = 'ReviewDesk1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['sighting', 'sighting_version']) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN review_state varchar(16) NOT NULL DEFAULT 'received'`);
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN changed_by varchar(255) NULL`);
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN change_reason varchar(1000) NULL`);
    }
    await queryRunner.query('ALTER TABLE sighting ADD COLUMN device_hash varchar(64) NULL');
    await queryRunner.createTable(
      new Table({
        name: 'sighting_comment',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project_id', type: 'varchar', length: '36' },
          { name: 'uid', type: 'varchar', length: '128' },
          { name: 'author', type: 'varchar', length: '255' },
          { name: 'text', type: 'varchar', length: '4000' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createIndex('sighting_comment', new TableIndex({ name: 'IDX_sighting_comment_uid', columnNames: ['project_id', 'uid', 'created_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sighting_comment', true);
    await queryRunner.query('ALTER TABLE sighting DROP COLUMN device_hash');
    for (const table of ['sighting', 'sighting_version']) for (const column of ['change_reason', 'changed_by', 'review_state']) await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
  }
}
