import { Module } from '@nestjs/common';
import { FileSharePollerService } from './fileshare/fileshare-poller.service.js';
import { FtpServerService } from './ftp/ftp-server.service.js';

/** The FTP/FTPS door and the file-share poller. */
@Module({ providers: [FtpServerService, FileSharePollerService] })
export class FtpIngestModule {}
