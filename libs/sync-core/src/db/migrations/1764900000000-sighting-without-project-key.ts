import { MigrationInterface, QueryRunner, TableForeignKey } from 'typeorm';

/**
 * On PostgreSQL the sighting table loses its foreign key to `project`. PostgreSQL checks such a key
 * row by row with a query of its own, which took a quarter of every COPY of sightings (psql
 * `\copy` of 100k rows: 2.2 s with the key, 1.6 s without; bench/README.md). Nothing is left
 * unguarded: sightings are written only by the merge, for a batch whose project holds its feed row
 * lock, and deleting a project takes that lock and the sightings with the project.
 * SQLite keeps its key: it checks it through the project's primary key at little cost, and removing
 * it there would rebuild the table.
 */
export class SightingWithoutProjectKey1764900000000 implements MigrationInterface {
  name = 'SightingWithoutProjectKey1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    const key = (await queryRunner.getTable('sighting'))?.foreignKeys.find((foreignKey) => foreignKey.referencedTableName === 'project');
    if (key) await queryRunner.dropForeignKey('sighting', key);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.createForeignKey('sighting', new TableForeignKey({ columnNames: ['project_id'], referencedTableName: 'project', referencedColumnNames: ['id'] }));
  }
}
