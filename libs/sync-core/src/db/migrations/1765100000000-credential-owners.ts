import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Who stands behind a token, by id: a token acts with at most its owner's current rights, so
 * the owner must be found at every use (the `owner` text stays, for people to read). Tokens made
 * before are linked by that text ("person:<login>", "token:<name> (<id>)"). And a person whose
 * password an administrator chose (a one-time password) must change it at the next sign-in.
 */
export class CredentialOwners1765100000000 implements MigrationInterface {
  name = 'CredentialOwners1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('admin_token', new TableColumn({ name: 'owner_account_id', type: 'varchar', length: '36', isNullable: true }));
    await queryRunner.addColumn('admin_token', new TableColumn({ name: 'owner_token_id', type: 'varchar', length: '36', isNullable: true }));
    await queryRunner.query(`UPDATE admin_token SET owner_account_id = (SELECT a.id FROM account a WHERE admin_token.owner = 'person:' || a.login)`);
    await queryRunner.query(`UPDATE admin_token SET owner_token_id = (SELECT t.id FROM admin_token t WHERE t.id <> admin_token.id AND admin_token.owner = 'token:' || t.name || ' (' || t.id || ')')`);
    await queryRunner.addColumn('account', new TableColumn({ name: 'password_expired', type: 'boolean', default: false }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('account', 'password_expired');
    await queryRunner.dropColumn('admin_token', 'owner_token_id');
    await queryRunner.dropColumn('admin_token', 'owner_account_id');
  }
}
