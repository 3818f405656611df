/**
 * The lines of a stream of JSON lines, those each chunk completes together (JSON text holds no raw
 * newline: every one ends a line); a last line without its newline comes at the end. The feed
 * reads the database's COPY through it, and `fieldsync download --private-key` the server's NDJSON.
 */
export async function* jsonLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  let held = '';
  for await (const chunk of chunks) {
    const lines = (held + chunk.toString()).split('\n');
    held = lines.pop()!;
    if (lines.length > 0) yield lines;
  }
  if (held) yield [held];
}
