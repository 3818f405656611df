import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Whether a project with published forms takes OpenRosa submissions naming another form or
 * version. Off for every project: such submissions are refused as ODK Central refuses them;
 * CyberTracker's ODK connector, which submits to projects without published forms, is not
 * concerned (a project without forms takes every submission).
 */
export class ProjectUnknownForms1765200000000 implements MigrationInterface {
  name = 'ProjectUnknownForms1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('project', new TableColumn({ name: 'accept_unknown_forms', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('project', 'accept_unknown_forms');
  }
}
