import type { Attachment } from '../api';
import { namedFile } from './field-text';

export const attachmentUrl = (slug: string, attachment: Attachment) => `/api/v1/projects/${slug}/attachments/${attachment.sha256}`;

/**
 * One field of a sighting as a reader wants it: a photo or recording field as a link that
 * downloads its file (the server sends stored files as downloads), a list of answers (a
 * select-multiple) as words, anything else as `plain` shows it.
 */
export function FieldValue({ slug, value, attachments, plain }: { slug: string; value: unknown; attachments: Attachment[]; plain: (value: unknown) => string }) {
  const name = namedFile(value);
  if (name !== null) {
    // Clients spell a file's name in either Unicode normal form (OpenRosa's XML and its parts).
    const file = attachments.find((attachment) => attachment.name.normalize('NFC') === name.normalize('NFC'));
    if (!file) return <>{name} (not received yet)</>;
    return (
      <a href={attachmentUrl(slug, file)} download={name}>
        {name}
      </a>
    );
  }
  if (Array.isArray(value) && value.length > 0 && value.every((item) => item === null || typeof item !== 'object')) return <>{value.join(', ')}</>;
  return <>{plain(value)}</>;
}
