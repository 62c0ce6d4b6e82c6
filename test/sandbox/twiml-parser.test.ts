import { childElements, parseXml, textOf, XmlParseError } from '../../infra/local/sandbox/twiml-parser';

describe('parseXml', () => {
  it('reads elements, attributes, text and self-closing tags after an XML declaration', () => {
    const source =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Say voice="alice">Hi</Say><Hangup/></Response>';

    const root = parseXml(source);

    expect(root.name).toBe('Response');
    const [say, hangup] = childElements(root);
    expect(say).toEqual({ name: 'Say', attributes: { voice: 'alice' }, children: ['Hi'] });
    expect(hangup).toEqual({ name: 'Hangup', attributes: {}, children: [] });
  });

  it('decodes the five predefined entities and character references in text and attributes', () => {
    const root = parseXml(`<R a="&quot;x&apos; &amp; y">&lt;b&gt; &#65;&#x42; &amp;</R>`);

    expect(root.attributes.a).toBe(`"x' & y`);
    expect(root.children).toEqual(['<b> AB &']);
  });

  it('skips comments and keeps CDATA text as written', () => {
    const root = parseXml('<R><!-- note --><![CDATA[a < b & c]]></R>');

    expect(textOf(root)).toBe('a < b & c');
  });

  it('accepts single-quoted attributes and whitespace inside tags', () => {
    const root = parseXml("<Gather  action='/next'\n numDigits = '4' ></Gather >");

    expect(root.attributes).toEqual({ action: '/next', numDigits: '4' });
  });

  it('collapses whitespace in textOf, nested elements included', () => {
    const root = parseXml('<Say>\n  Hello,\n  <emphasis>dear</emphasis>   caller </Say>');

    expect(textOf(root)).toBe('Hello, dear caller');
  });

  it.each([
    ['a mismatched closing tag', '<a><b></a></b>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['an entity named after an object property', '<a>&toString;</a>'],
    ['a DOCTYPE, which could declare expanding entities', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['content after the root', '<a/><b/>'],
    ['an unterminated document', '<a><b>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a "<" in an attribute', '<a x="<"/>'],
    ['a reference to a forbidden character', '<a>&#0;</a>'],
    ['no element at all', '   '],
  ])('rejects %s', (_name, source) => {
    expect(() => parseXml(source)).toThrow(XmlParseError);
  });

  it('rejects documents nested deeper than the limit', () => {
    const source = '<a>'.repeat(5) + '</a>'.repeat(5);

    expect(() => parseXml(source, { maxLength: 1000, maxDepth: 4 })).toThrow(/nested too deeply/);
  });

  it('rejects documents longer than the limit', () => {
    expect(() => parseXml('<a>' + 'x'.repeat(100) + '</a>', { maxLength: 50, maxDepth: 8 })).toThrow(
      /too large/,
    );
  });
});
