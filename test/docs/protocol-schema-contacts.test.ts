import { protocolSchema } from '../../scripts/protocol-schema';
import { getContactsFrame, parseFrame } from '../../shared/runtime/frames';

/**
 * The paged getContacts in the published JSON Schema (docs/protocol.schema.json): it accepts and refuses the
 * cursors and limits the server's own frame schema does, and the server names the field that is wrong.
 */
describe('getContacts paging in docs/protocol.schema.json', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = require('ajv/dist/2020').default as new (o: object) => {
    compile(s: object): (d: unknown) => boolean;
  };
  const validate = new Ajv2020({ strict: false }).compile(protocolSchema());
  const samples: Array<[string, object, string | null]> = [
    ['a first page', { action: 'getContacts' }, null],
    ['a later page', { action: 'getContacts', cursor: 'im#12345678', limit: 20 }, null],
    ['a phone cursor with since', { action: 'getContacts', cursor: 'phone#+14155550100', since: 3 }, null],
    ['the largest limit', { action: 'getContacts', limit: 500 }, null],
    ['a limit of 0', { action: 'getContacts', limit: 0 }, 'invalid_limit'],
    ['a limit over 500', { action: 'getContacts', limit: 501 }, 'invalid_limit'],
    ['a fractional limit', { action: 'getContacts', limit: 2.5 }, 'invalid_limit'],
    ['a cursor the server never made', { action: 'getContacts', cursor: 'ROSTER#im#12345678' }, 'invalid_cursor'],
    ['a numeric cursor', { action: 'getContacts', cursor: 12 }, 'invalid_cursor'],
  ];
  it.each(samples)('%s: the schema and the server agree', (_what, frame, code) => {
    const server = getContactsFrame.safeParse(frame).success;
    expect(validate(frame)).toBe(server);
    expect(server).toBe(code === null);
    if (code) expect(() => parseFrame(getContactsFrame, JSON.stringify(frame))).toThrow(expect.objectContaining({ code }));
  });
});
