/** OpenRosa's XML answer, which ODK Collect shows to the person who submitted. */
export function openRosaMessage(nature: 'submit_success' | 'error', text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message nature="${nature}">${escaped}</message></OpenRosaResponse>\n`;
}
