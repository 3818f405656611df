/** A path a client may not use, with the reason it is told (FTP 550). */
export class RefusedPathError extends Error {
  readonly code = 550;
}

const MAX_NAME_CHARS = 255;
const MAX_PATH_CHARS = 1024;
const MAX_DEPTH = 16;

/**
 * Resolves a client's path against its current folder inside its own virtual tree, where "/"
 * is the device's folder. Nothing here touches a disk; still, anything that tries to climb out
 * or hide is refused rather than silently clamped, so the client learns it was wrong.
 */
export function resolveVirtualPath(cwd: string, clientPath: string): string {
  if (clientPath.length > MAX_PATH_CHARS) throw new RefusedPathError('path too long');
  if (/[\u0000-\u001f\u007f]/.test(clientPath)) throw new RefusedPathError('control characters are not allowed in names');
  if (clientPath.includes('\\')) throw new RefusedPathError('backslashes are not allowed in names; use "/"');
  // Some clients and servers decode %2f; a name that would change meaning when decoded is refused.
  if (/%(2e|2f|5c|00)/i.test(clientPath)) throw new RefusedPathError('percent-encoded dots, slashes or NULs are not allowed in names');
  const segments = clientPath.startsWith('/') ? [] : cwd.split('/').filter(Boolean);
  for (const segment of clientPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) throw new RefusedPathError('that path leaves your folder');
      segments.pop();
      continue;
    }
    if (/^\.+$/.test(segment)) throw new RefusedPathError(`"${segment}" is not a usable name`);
    if (segment.length > MAX_NAME_CHARS) throw new RefusedPathError(`a name is longer than ${MAX_NAME_CHARS} characters`);
    segments.push(segment);
  }
  if (segments.length > MAX_DEPTH) throw new RefusedPathError(`folders nest deeper than ${MAX_DEPTH} levels`);
  return `/${segments.join('/')}`;
}

export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
