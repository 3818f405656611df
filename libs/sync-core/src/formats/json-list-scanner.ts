/** What the scanner found in the bytes it was given, in file order. */
export type ScannedPart =
  /** One element of the top-level object's list, as JSON text. */
  | { kind: 'element'; text: string }
  /** Another top-level member's value, as JSON text (to be checked, not used). */
  | { kind: 'other'; text: string }
  | { kind: 'not-a-list'; message: string }
  | { kind: 'syntax'; message: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

type Expecting = 'object' | 'key-or-end' | 'key' | 'colon' | 'value' | 'after-value' | 'element-or-end' | 'element' | 'after-element' | 'done';

/**
 * Cuts the elements of one list (`features`) out of a JSON object arriving in chunks, without
 * tokenising them: it only tracks strings, escapes and nesting, and hands each element's text to
 * JSON.parse. A token-by-token streaming parser held the GeoJSON door to ~11k features/s; this
 * runs at JSON.parse's speed, with memory bounded by the largest element.
 */
export class JsonListScanner {
  private expecting: Expecting = 'object';
  private key = '';
  /** Bytes of the value being captured, from earlier chunks. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private capturing: 'key' | 'element' | 'other' | null = null;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** A bare value (number, true, false, null) ends at the first byte that cannot be part of it. */
  private bare = false;
  private failed = false;

  constructor(
    private readonly listKey: string,
    private readonly maxValueBytes: number,
  ) {}

  /** The parts completed by this chunk; after a syntax error, nothing more. */
  push(chunk: Buffer): ScannedPart[] {
    const parts: ScannedPart[] = [];
    if (this.failed) return parts;
    let start = 0;
    for (let at = 0; at < chunk.length; at++) {
      const byte = chunk[at];
      if (this.capturing) {
        if (!this.advanceValue(byte)) continue;
        // The bare value's terminator belongs to what follows it.
        const end = this.bare ? at : at + 1;
        const text = this.take(chunk, start, end);
        if (this.bare) at--;
        const done = this.capturing;
        this.capturing = null;
        if (done === 'key') {
          try {
            this.key = JSON.parse(text) as string;
          } catch (error) {
            return this.fail(parts, `a member name is not valid JSON: ${(error as Error).message}`);
          }
          this.expecting = 'colon';
        } else {
          parts.push({ kind: done, text });
          this.expecting = done === 'element' ? 'after-element' : 'after-value';
        }
        continue;
      }
      if (isSpace(byte)) continue;
      switch (this.expecting) {
        case 'object':
          if (byte !== OPEN_OBJECT) return this.fail(parts, 'the file does not start with a JSON object');
          this.expecting = 'key-or-end';
          break;
        case 'key-or-end':
        case 'key':
          if (byte === CLOSE_OBJECT && this.expecting === 'key-or-end') this.expecting = 'done';
          else if (byte === QUOTE) start = this.begin('key', byte, at);
          else return this.fail(parts, `expected a member name, found "${String.fromCharCode(byte)}"`);
          break;
        case 'colon':
          if (byte !== COLON) return this.fail(parts, `expected ":" after "${this.key.slice(0, 40)}"`);
          this.expecting = 'value';
          break;
        case 'value':
          if (this.key === this.listKey) {
            if (byte !== OPEN_LIST) {
              this.failed = true;
              parts.push({ kind: 'not-a-list', message: `"${this.listKey}" is not a list` });
              return parts;
            }
            this.expecting = 'element-or-end';
          } else start = this.begin('other', byte, at);
          break;
        case 'after-value':
          if (byte === COMMA) this.expecting = 'key';
          else if (byte === CLOSE_OBJECT) this.expecting = 'done';
          else return this.fail(parts, `expected "," or "}" after the value of "${this.key.slice(0, 40)}"`);
          break;
        case 'element-or-end':
        case 'element':
          if (byte === CLOSE_LIST && this.expecting === 'element-or-end') this.expecting = 'after-value';
          else start = this.begin('element', byte, at);
          break;
        case 'after-element':
          if (byte === COMMA) this.expecting = 'element';
          else if (byte === CLOSE_LIST) this.expecting = 'after-value';
          else return this.fail(parts, `expected "," or "]" after an element of "${this.listKey}"`);
          break;
        case 'done':
          return this.fail(parts, 'there is more after the end of the JSON object');
      }
    }
    if (this.capturing) this.hold(chunk.subarray(start));
    if (this.heldBytes > this.maxValueBytes) return this.fail(parts, `a value is larger than ${this.maxValueBytes} bytes`);
    return parts;
  }

  /** Whether the bytes ended where a JSON object may end; the reason when not. */
  end(): ScannedPart | null {
    if (this.failed || this.expecting === 'done') return null;
    return { kind: 'syntax', message: 'the file ends before the JSON object does' };
  }

  private begin(what: 'key' | 'element' | 'other', byte: number, at: number): number {
    this.capturing = what;
    this.held = [];
    this.heldBytes = 0;
    this.depth = byte === OPEN_OBJECT || byte === OPEN_LIST ? 1 : 0;
    this.inString = byte === QUOTE;
    this.escaped = false;
    this.bare = this.depth === 0 && !this.inString;
    return at;
  }

  /** Takes one more byte of the value being captured; true when the value ended with it. */
  private advanceValue(byte: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) {
        this.inString = false;
        return this.depth === 0;
      }
      return false;
    }
    if (this.bare) return isSpace(byte) || byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_LIST;
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_LIST) this.depth++;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_LIST) return --this.depth === 0;
    return false;
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // A copy: the caller may reuse its chunk.
    this.held.push(Buffer.from(bytes));
    this.heldBytes += bytes.length;
  }

  private take(chunk: Buffer, start: number, end: number): string {
    if (this.held.length === 0) return chunk.toString('utf8', start, end);
    const text = Buffer.concat([...this.held, chunk.subarray(start, end)]).toString('utf8');
    this.held = [];
    this.heldBytes = 0;
    return text;
  }

  private fail(parts: ScannedPart[], message: string): ScannedPart[] {
    this.failed = true;
    parts.push({ kind: 'syntax', message });
    return parts;
  }
}
