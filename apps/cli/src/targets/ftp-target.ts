import { Client, FTPError } from 'basic-ftp';
import { CliError, EXIT } from '../output.js';
import { describeNetworkError } from './http-target.js';
import { remoteName, UploadTarget } from './upload-target.js';

/** An FTP or FTPS site (FieldSync's FTP door or any other), with basic-ftp. */
export class FtpTarget implements UploadTarget {
  readonly description: string;
  private client: Client | null = null;
  private readonly folder: string;

  constructor(private readonly url: URL) {
    this.folder = decodeURIComponent(url.pathname) || '/';
    this.description = `${url.protocol}//${url.host}${this.folder}`;
  }

  async send(path: string, name?: string): Promise<void> {
    const client = await this.connect(true);
    try {
      await client.uploadFrom(path, remoteName(path, name));
    } catch (error) {
      this.client?.close();
      this.client = null;
      throw new CliError(`${this.description}: ${(error as Error).message}`, EXIT.incomplete);
    }
  }

  async test(): Promise<string[]> {
    await this.connect(false);
    return [`reachable: ${this.url.host}`, 'login: accepted', `write permission: ${this.folder} exists and can be written`];
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = null;
  }

  /** Logs in and enters the folder; an upload creates it when missing, a test only reports it. */
  private async connect(createFolder: boolean): Promise<Client> {
    if (this.client && !this.client.closed) return this.client;
    const client = new Client(30_000);
    try {
      await client.access({
        host: this.url.hostname,
        port: Number(this.url.port || 21),
        user: decodeURIComponent(this.url.username),
        password: decodeURIComponent(this.url.password),
        secure: this.url.protocol === 'ftps:',
        secureOptions: { servername: this.url.hostname },
      });
    } catch (error) {
      client.close();
      if (error instanceof FTPError && error.code === 530) throw new CliError('login failed: the login or secret is wrong, or the device is disabled', EXIT.refused);
      throw new CliError(`cannot reach ${this.url.host}: ${describeNetworkError(error as Error)}`, EXIT.unreachable);
    }
    try {
      if (createFolder) await client.ensureDir(this.folder);
      else await client.cd(this.folder);
    } catch (error) {
      client.close();
      if (!createFolder) throw new CliError(`folder missing: ${this.folder} on ${this.url.host}`, EXIT.unreachable);
      throw new CliError(`folder ${this.folder} cannot be used: ${(error as Error).message}`, EXIT.refused);
    }
    this.client = client;
    return client;
  }
}
