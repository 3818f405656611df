/** A connection URL as it may be logged or shown: without the password (postgres://…@host/db). */
export function shownUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//…@');
}
