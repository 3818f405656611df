import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * What ODK Collect needs beyond a submission door: blank forms with their media, the instance
 * ids a project has seen (edits chain to their first instance; one id never stands for two XMLs),
 * and a hash of a sighting's content without its attachments, so attachments that arrive later
 * (split submissions, EarthRanger files) complete a revision instead of making a new one.
 */
export class OpenRosaForms1764400000000 implements MigrationInterface {
  name = 'OpenRosaForms1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const id = (name: string, extra = {}) => ({ name, type: 'varchar', length: '36', ...extra });
    const varchar = (name: string, length: number, extra = {}) => ({ name, type: 'varchar', length: String(length), ...extra });
    const time = (name: string) => ({ name, type: 'varchar', length: '32' });
    await queryRunner.addColumn('sighting', new TableColumn({ name: 'data_hash', type: 'varchar', length: '64', isNullable: true }));
    await queryRunner.createTable(
      new Table({
        name: 'submission_instance',
        columns: [
          id('project_id', { isPrimary: true }),
          varchar('instance_id', 128, { isPrimary: true }),
          varchar('root_uid', 128),
          varchar('xml_sha256', 64),
          { name: 'attachments', type: 'text' },
          time('received_at'),
        ],
        foreignKeys: [{ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'form',
        columns: [
          id('id', { isPrimary: true }),
          id('project_id'),
          varchar('xml_form_id', 128),
          varchar('version', 64),
          varchar('name', 200),
          varchar('md5', 32),
          id('blob_id'),
          { name: 'fields', type: 'text' },
          time('created_at'),
        ],
        foreignKeys: [
          { columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] },
          { columnNames: ['blob_id'], referencedTableName: 'blob', referencedColumnNames: ['id'] },
        ],
        indices: [{ columnNames: ['project_id', 'xml_form_id', 'version'], isUnique: true }],
      }),
      true,
      true,
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'form_media',
        columns: [id('form_id', { isPrimary: true }), varchar('name', 255, { isPrimary: true }), id('blob_id'), varchar('md5', 32), varchar('content_type', 100), { name: 'size', type: 'bigint' }],
        foreignKeys: [
          { columnNames: ['form_id'], referencedTableName: 'form', referencedColumnNames: ['id'] },
          { columnNames: ['blob_id'], referencedTableName: 'blob', referencedColumnNames: ['id'] },
        ],
      }),
      true,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['form_media', 'form', 'submission_instance']) await queryRunner.dropTable(name, true);
    await queryRunner.dropColumn('sighting', 'data_hash');
  }
}
