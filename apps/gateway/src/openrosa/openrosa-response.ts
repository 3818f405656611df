/** Text for XML: the five characters that cannot stand as themselves. */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * OpenRosa's XML answer, which ODK Collect shows to the person who submitted. CyberTracker's
 * ODK and KoBo connectors count an upload as delivered only when this text contains
 * "successful" or "duplicate" (ctmobile cpp/ODK/ODKProvider.cpp), as ODK Central's does.
 */
export function openRosaMessage(nature: 'submit_success' | 'error', text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0"><message nature="${nature}">${xmlText(text)}</message></OpenRosaResponse>\n`;
}

export const SUBMISSION_STORED = 'full submission upload was successful!';
export const SUBMISSION_DUPLICATE = 'full submission upload was successful! (a duplicate: everything in it was already received)';
