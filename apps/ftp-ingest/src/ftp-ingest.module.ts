import { Module } from '@nestjs/common';

/** The FTP/FTPS door and the file-share poller (next: issue "The FTP/FTPS door and the file-share poller"). */
@Module({})
export class FtpIngestModule {}
