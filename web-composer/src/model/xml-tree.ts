/**
 * A small XML reader with positions, enough for CPL scripts (RFC 3880 §14: plain XML, no DTD
 * needed). It runs the same in the browser and in Node tests, and keeps each element's line
 * and column so server diagnostics (which carry line/column) can be pinned to builder blocks.
 * It rejects DOCTYPE internal subsets and entity references other than the five predefined and
 * numeric ones: the server refuses those too, and the composer never needs them.
 */
export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
}

export interface XmlElement {
  readonly name: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** Non-whitespace character data directly inside (CPL has none; kept for error messages). */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Line ${line}, column ${column}: ${message}`);
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  return new Reader(source).document();
}

interface MutableElement {
  name: string;
  attributes: XmlAttribute[];
  children: MutableElement[];
  text: string;
  line: number;
  column: number;
}

class Reader {
  #pos = 0;
  readonly #src: string;
  readonly #lineStarts: number[] = [0];

  constructor(src: string) {
    this.#src = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
    for (let i = 0; i < this.#src.length; i++) if (this.#src.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  document(): XmlElement {
    this.#misc();
    if (!this.#src.startsWith('<', this.#pos) || this.#pos >= this.#src.length) this.#fail('the script must start with an element such as <cpl>');
    const root = this.#element();
    this.#misc();
    if (this.#pos < this.#src.length) this.#fail('text after the end of the root element');
    return root;
  }

  /** Whitespace, comments, processing instructions and a bare DOCTYPE outside the root. */
  #misc(): void {
    for (;;) {
      this.#skipSpace();
      if (this.#src.startsWith('<?', this.#pos)) this.#skipPast('?>', 'processing instruction');
      else if (this.#src.startsWith('<!--', this.#pos)) this.#skipPast('-->', 'comment');
      else if (this.#src.startsWith('<!DOCTYPE', this.#pos)) {
        const end = this.#src.indexOf('>', this.#pos);
        const decl = end < 0 ? '' : this.#src.slice(this.#pos, end);
        if (end < 0 || decl.includes('[')) this.#fail('DOCTYPE declarations with an internal subset are not allowed');
        this.#pos = end + 1;
      } else return;
    }
  }

  #element(): MutableElement {
    const [line, column] = this.#where(this.#pos);
    this.#pos++; // '<'
    const name = this.#name('element name');
    const el: MutableElement = { name, attributes: [], children: [], text: '', line, column };
    for (;;) {
      const hadSpace = this.#skipSpace();
      if (this.#src.startsWith('/>', this.#pos)) {
        this.#pos += 2;
        return el;
      }
      if (this.#src.startsWith('>', this.#pos)) {
        this.#pos++;
        break;
      }
      if (!hadSpace) this.#fail(`expected whitespace, ">" or "/>" in <${name}>`);
      const attr = this.#name('attribute name');
      this.#skipSpace();
      if (this.#src[this.#pos] !== '=') this.#fail(`expected "=" after attribute ${attr}`);
      this.#pos++;
      this.#skipSpace();
      const quote = this.#src[this.#pos];
      if (quote !== '"' && quote !== "'") this.#fail(`the value of ${attr} must be in quotes`);
      const end = this.#src.indexOf(quote, this.#pos + 1);
      if (end < 0) this.#fail(`unterminated value of ${attr}`);
      const raw = this.#src.slice(this.#pos + 1, end);
      if (raw.includes('<')) this.#fail(`"<" is not allowed in the value of ${attr}`);
      if (el.attributes.some((a) => a.name === attr)) this.#fail(`attribute ${attr} appears twice`);
      el.attributes.push({ name: attr, value: this.#decode(raw, this.#pos + 1).replace(/[\t\n\r]/g, ' ') });
      this.#pos = end + 1;
    }
    for (;;) {
      const next = this.#src.indexOf('<', this.#pos);
      if (next < 0) this.#fail(`<${name}> is never closed`);
      const text = this.#src.slice(this.#pos, next);
      if (text.trim() !== '') el.text += this.#decode(text, this.#pos);
      this.#pos = next;
      if (this.#src.startsWith('</', this.#pos)) {
        this.#pos += 2;
        const closing = this.#name('closing tag name');
        if (closing !== name) this.#fail(`</${closing}> closes <${name}>`);
        this.#skipSpace();
        if (this.#src[this.#pos] !== '>') this.#fail(`expected ">" after </${closing}`);
        this.#pos++;
        return el;
      }
      if (this.#src.startsWith('<!--', this.#pos)) this.#skipPast('-->', 'comment');
      else if (this.#src.startsWith('<?', this.#pos)) this.#skipPast('?>', 'processing instruction');
      else if (this.#src.startsWith('<![CDATA[', this.#pos)) {
        const end = this.#src.indexOf(']]>', this.#pos);
        if (end < 0) this.#fail('unterminated CDATA section');
        const data = this.#src.slice(this.#pos + 9, end);
        if (data.trim() !== '') el.text += data;
        this.#pos = end + 3;
      } else if (this.#src.startsWith('<!', this.#pos)) this.#fail('declarations are not allowed inside elements');
      else el.children.push(this.#element());
    }
  }

  #decode(raw: string, at: number): string {
    return raw.replace(/&([^;&\s]*);?/g, (match, ref: string, offset: number) => {
      if (!match.endsWith(';')) this.#fail('"&" must start an entity reference such as &amp;', at + offset);
      if (ref in ENTITIES) return ENTITIES[ref] as string;
      const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
      if (!m) this.#fail(`entity &${ref}; is not allowed (only the predefined XML entities)`, at + offset);
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff || code === 0) this.#fail(`character reference &${ref}; is out of range`, at + offset);
      return String.fromCodePoint(code);
    });
  }

  #name(what: string): string {
    NAME.lastIndex = this.#pos;
    const m = NAME.exec(this.#src);
    if (!m) this.#fail(`expected ${what}`);
    this.#pos += m[0].length;
    return m[0];
  }

  #skipSpace(): boolean {
    const start = this.#pos;
    while (this.#pos < this.#src.length && ' \t\r\n'.includes(this.#src[this.#pos] as string)) this.#pos++;
    return this.#pos > start;
  }

  #skipPast(end: string, what: string): void {
    const at = this.#src.indexOf(end, this.#pos);
    if (at < 0) this.#fail(`unterminated ${what}`);
    this.#pos = at + end.length;
  }

  #where(offset: number): [number, number] {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, offset - (this.#lineStarts[lo] as number) + 1];
  }

  #fail(message: string, offset = this.#pos): never {
    const [line, column] = this.#where(Math.min(offset, this.#src.length));
    throw new XmlSyntaxError(message, line, column);
  }
}

export function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
