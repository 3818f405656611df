import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * A project's sightings in row-id order: OGC API – Features and OData page by the row id (kept across
 * revisions, so a client walking a collection meets each sighting once). Without it SQLite found the
 * project's rows by its own index and sorted all of them for every page (EXPLAIN QUERY PLAN: "USE
 * TEMP B-TREE FOR ORDER BY"), and PostgreSQL walked the primary key of every project.
 */
export class SightingProjectRowIndex1765500000000 implements MigrationInterface {
  name = 'SightingProjectRowIndex1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('sighting', new TableIndex({ name: 'IDX_sighting_project_row', columnNames: ['project_id', 'id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('sighting', 'IDX_sighting_project_row');
  }
}
