import { Inject, Injectable, Logger } from '@nestjs/common';
import { AdminTokenService, FIELDSYNC_CONFIG } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/**
 * Makes sure there is a way in: the bootstrap admin token (from the environment, or made and
 * shown once). Called by main() once the process has started whole, not at a lifecycle hook: a
 * start that fails afterwards (a bad FILESHARE_DIRS, a port taken) must leave the token as it was.
 */
@Injectable()
export class AdminBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(AdminTokenService) private readonly tokens: AdminTokenService,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  async ensure(): Promise<void> {
    const { printed, replaced } = await this.tokens.ensureBootstrap(this.config.adminToken);
    if (replaced === 'printed') this.logger.warn('FIELDSYNC_ADMIN_TOKEN is set: it is the admin token now, and the one printed at an earlier start no longer works');
    if (replaced === 'variable' && this.config.adminToken) this.logger.warn('FIELDSYNC_ADMIN_TOKEN changed: the earlier value no longer works');
    if (replaced === 'variable' && !this.config.adminToken) this.logger.warn('FIELDSYNC_ADMIN_TOKEN is no longer set: its value no longer works; a new admin token is printed below');
    // Shown once, on the terminal only (not through the logger, which may ship lines elsewhere).
    if (printed) process.stdout.write(tokenBox(printed));
    if (this.config.adminToken) this.logger.log('admin token taken from FIELDSYNC_ADMIN_TOKEN');
  }
}

/** The first-start token in a box, so it stands out from the start-up lines around it. */
function tokenBox(token: string): string {
  const lines = ['FieldSync admin token — shown only now. Store it safely (or set FIELDSYNC_ADMIN_TOKEN):', '', token];
  const width = Math.max(...lines.map((line) => line.length));
  const rule = '─'.repeat(width + 2);
  return `\n┌${rule}┐\n${lines.map((line) => `│ ${line.padEnd(width)} │`).join('\n')}\n└${rule}┘\n\n`;
}
