/** Domain errors: each door turns them into its own answer (HTTP status, FTP reply, CLI exit code). */
export class NotFoundError extends Error {}
export class ConflictError extends Error {}
export class InvalidInputError extends Error {}
export class UploadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload is larger than the limit of ${limitBytes} bytes (MAX_UPLOAD_BYTES); split the file or ask the administrator to raise the limit`);
  }
}
