import { Module } from '@nestjs/common';
import { FtpServerService } from './ftp/ftp-server.service.js';

/** The FTP/FTPS door (and, next, the file-share poller). */
@Module({ providers: [FtpServerService] })
export class FtpIngestModule {}
