import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Replaced versions by their place in the feed. A delivery reads the next versions after its
 * cursor from `sighting` and `sighting_version` in seq order; without this index the second could
 * only be searched by its key (project, uid, seq), so PostgreSQL sorted the whole project's range
 * for every page (EXPLAIN ANALYZE at 100k sightings: a sequential scan and a top-N sort, 47–58 ms a
 * page, growing with the project).
 */
export class VersionSeqIndex1765000000000 implements MigrationInterface {
  name = 'VersionSeqIndex1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('sighting_version', new TableIndex({ name: 'IDX_sighting_version_project_seq', columnNames: ['project_id', 'seq'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('sighting_version', 'IDX_sighting_version_project_seq');
  }
}
