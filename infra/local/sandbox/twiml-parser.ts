/**
 * A small, strict XML parser for TwiML. It knows elements, attributes, text, CDATA, comments, processing
 * instructions (the XML declaration) and the five predefined entities plus character references.
 * It refuses DOCTYPE, so no entity can expand, and it caps size and depth: the input comes from whatever app
 * the sandbox is pointed at.
 */

/** An element: its name, attributes and children in document order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

/** A child is an element or a run of text (entities already decoded). */
export type XmlNode = XmlElement | string;

/** The document is not well-formed XML, or breaks one of the parser's limits. */
export class XmlParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlParseError';
  }
}

/** Bounds that keep a hostile or broken document cheap to reject. */
export interface XmlLimits {
  maxLength: number;
  maxDepth: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxLength: 256 * 1024, maxDepth: 64 };
const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const PREDEFINED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** Parses a document and returns its root element. Throws XmlParseError when it is not well-formed. */
export function parseXml(source: string, limits: XmlLimits = DEFAULT_LIMITS): XmlElement {
  if (source.length > limits.maxLength) throw new XmlParseError('document too large', limits.maxLength);
  return new Parser(source.replace(/^\uFEFF/, ''), limits.maxDepth).document();
}

/** The element children of a node, skipping text. */
export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

/** All text inside an element, nested elements included, with whitespace runs collapsed and trimmed. */
export function textOf(element: XmlElement): string {
  const raw = element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');
  return raw.replace(/\s+/g, ' ').trim();
}

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
  ) {}

  document(): XmlElement {
    this.skipMisc();
    if (!this.src.startsWith('<', this.pos)) this.fail('expected a root element');
    const root = this.element(1);
    this.skipMisc();
    if (this.pos < this.src.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions, which may surround the root. */
  private skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<?', this.pos)) this.processingInstruction();
      else if (this.src.startsWith('<!DOCTYPE', this.pos)) this.fail('DOCTYPE is not allowed');
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth > this.maxDepth) this.fail('elements nested too deeply');
    this.expect('<');
    const name = this.name();
    const attributes = this.attributes();
    if (this.src.startsWith('/>', this.pos)) {
      this.pos += 2;
      return { name, attributes, children: [] };
    }
    this.expect('>');
    const children = this.content(depth);
    this.expect('</');
    if (this.name() !== name) this.fail(`mismatched closing tag for <${name}>`);
    this.skipSpace();
    this.expect('>');
    return { name, attributes, children };
  }

  private attributes(): Record<string, string> {
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.src.startsWith('>', this.pos) || this.src.startsWith('/>', this.pos)) return attributes;
      if (!hadSpace) this.fail('expected whitespace before an attribute');
      const name = this.name();
      if (name in attributes) this.fail(`duplicate attribute ${name}`);
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      attributes[name] = this.attributeValue();
    }
  }

  private attributeValue(): string {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('expected a quoted attribute value');
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail('unterminated attribute value');
    const raw = this.src.slice(this.pos + 1, end);
    if (raw.includes('<')) this.fail('"<" in an attribute value');
    const value = this.decode(raw, this.pos + 1);
    this.pos = end + 1;
    return value;
  }

  private content(depth: number): XmlNode[] {
    const children: XmlNode[] = [];
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unexpected end of document');
      if (this.src.startsWith('</', this.pos)) return children;
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<![CDATA[', this.pos)) children.push(this.cdata());
      else if (this.src.startsWith('<?', this.pos)) this.processingInstruction();
      else if (this.src.startsWith('<!', this.pos)) this.fail('markup declarations are not allowed');
      else if (this.src.startsWith('<', this.pos)) children.push(this.element(depth + 1));
      else children.push(this.text());
    }
  }

  private text(): string {
    const end = this.src.indexOf('<', this.pos);
    const stop = end < 0 ? this.src.length : end;
    const value = this.decode(this.src.slice(this.pos, stop), this.pos);
    this.pos = stop;
    return value;
  }

  private cdata(): string {
    const start = this.pos + '<![CDATA['.length;
    const end = this.src.indexOf(']]>', start);
    if (end < 0) this.fail('unterminated CDATA section');
    this.pos = end + 3;
    return this.src.slice(start, end);
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    this.pos = end + 2;
  }

  /** Replaces entity and character references; a bare "&" is an error, as in any XML parser. */
  private decode(raw: string, offset: number): string {
    return raw.replace(/&([^;&\s]*);?/g, (match, ref: string, at: number) => {
      if (!match.endsWith(';')) this.fail('unescaped "&"', offset + at);
      const decoded = decodeReference(ref);
      if (decoded === undefined) this.fail(`unknown entity &${ref};`, offset + at);
      return decoded;
    });
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src);
    if (!match) this.fail('expected a name');
    this.pos += match[0].length;
    return match[0];
  }

  private expect(token: string): void {
    if (!this.src.startsWith(token, this.pos)) this.fail(`expected "${token}"`);
    this.pos += token.length;
  }

  /** Skips whitespace and says whether there was any. */
  private skipSpace(): boolean {
    const start = this.pos;
    while (this.pos < this.src.length && ' \t\r\n'.includes(this.src[this.pos])) this.pos += 1;
    return this.pos > start;
  }

  private fail(message: string, offset = this.pos): never {
    throw new XmlParseError(message, offset);
  }
}

function decodeReference(ref: string): string | undefined {
  const predefined = PREDEFINED.get(ref);
  if (predefined !== undefined) return predefined;
  const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
  if (!numeric) return undefined;
  const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2], 10);
  return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
}

/** The code points XML 1.0 allows in a document; a reference to anything else is an error. */
function isXmlChar(code: number): boolean {
  if (code === 0x9 || code === 0xa || code === 0xd) return true;
  if (code < 0x20 || code > 0x10ffff) return false;
  return (code < 0xd800 || code > 0xdfff) && code !== 0xfffe && code !== 0xffff;
}
