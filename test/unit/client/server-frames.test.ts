import type { ServerFrame as WireFrame } from '../../../shared/adapters/ws-frames';
import { parseServerFrame, type ServerFrame } from '../../../shared/client';

/**
 * The client's schemas of server frames describe exactly the frames the server builds (ws-frames.ts's
 * ServerFrame): each type is assignable to the other, checked by tsc (`npm run typecheck` runs over tests).
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameFrames: Same<ServerFrame, WireFrame> = true;

describe('parseServerFrame', () => {
  it('has the same frame types as the server builds (a compile-time check)', () => {
    expect(sameFrames).toBe(true);
  });

  it('parses a known frame against its schema', () => {
    const raw = JSON.stringify({
      type: 'receipt',
      clientId: 'c1',
      id: 'm1',
      status: 'delivered',
      path: ['im'],
    });
    expect(parseServerFrame(raw)).toEqual({ kind: 'frame', frame: JSON.parse(raw) });
  });

  it('tells a contact presence change from the answer to setPresence', () => {
    expect(parseServerFrame('{"type":"presence","status":"offline"}')).toEqual({
      kind: 'frame',
      frame: { type: 'presence', status: 'offline' },
    });
    expect(parseServerFrame('{"type":"presence","imNumber":"12345678","status":"online"}')).toEqual({
      kind: 'frame',
      frame: { type: 'presence', imNumber: '12345678', status: 'online' },
    });
  });

  it('passes a frame of an unknown type on as unknown, unchecked', () => {
    expect(parseServerFrame('{"type":"typing","sid":"CA1"}')).toEqual({
      kind: 'unknown',
      frame: { type: 'typing', sid: 'CA1' },
    });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{"id":"x"}', 'no string `type`'],
    ['{"type":"receipt","clientId":"c1","id":"m1","status":"lost","path":["im"]}', 'receipt frame: status: '],
    // Every receipt names the sendMessage it reports on (docs/protocol.md).
    ['{"type":"receipt","id":"m1","status":"accepted","path":["im"]}', 'receipt frame: clientId: '],
    ['{"type":"message","id":"m1"}', 'message frame: from: '],
  ])('refuses %s, saying why', (raw, why) => {
    const parsed = parseServerFrame(raw);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.error).toContain(why);
  });
});
