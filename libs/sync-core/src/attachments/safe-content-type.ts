/**
 * The content type an uploaded file is served with. It comes from the uploader (a part header, a
 * data: URI), so only types a browser shows without running them pass: photos, sounds, videos,
 * PDF, plain text and CSV. Anything else (text/html, image/svg+xml, …) is served as bytes.
 */
const SHOWN_AS_IS = /^(?:image\/(?:jpeg|png|gif|webp|bmp|heic|heif|tiff)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf|text\/plain|text\/csv)$/;

export function safeContentType(declared: string | null | undefined): string {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  return SHOWN_AS_IS.test(type) ? type : 'application/octet-stream';
}
