import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from '../output.js';
import { FolderTarget } from './folder-target.js';
import { FtpTarget } from './ftp-target.js';
import { HttpTarget } from './http-target.js';
import { UploadTarget } from './upload-target.js';

/** The target an address names: http(s):// the gateway, ftp(s):// an FTP site, anything else a folder. */
export function uploadTarget(url: string, device: string | undefined): UploadTarget {
  if (/^https?:\/\//i.test(url)) {
    const credentials = device ?? process.env.FIELDSYNC_DEVICE;
    if (!credentials?.includes(':')) throw new CliError('uploading to a gateway needs the device login and secret: --device LOGIN:SECRET (or FIELDSYNC_DEVICE)', EXIT.usage);
    const colon = credentials.indexOf(':');
    return new HttpTarget(url, credentials.slice(0, colon), credentials.slice(colon + 1));
  }
  if (/^ftps?:\/\//i.test(url)) return new FtpTarget(new URL(url));
  if (/^file:\/\//i.test(url)) return new FolderTarget(fileURLToPath(url));
  if (/^[a-z]+:\/\//i.test(url)) throw new CliError(`unsupported address "${url}"; use http(s)://, ftp(s):// or a folder`, EXIT.usage);
  return new FolderTarget(url);
}
