import { toServerFrame } from '../../shared/adapters/ws-frames';
import { parseServerFrame, serverFrameSchemas } from '../../shared/client';

/** The `call` frame the IVR pushes to a callee online in IM, as docs/protocol.md spells it. */
describe('the call frame', () => {
  it('is rendered field by field, in wire order, and matches its schema', () => {
    const frame = toServerFrame({ kind: 'call', from: '11112222', fromName: 'Alice' });

    expect(JSON.stringify(frame)).toBe('{"type":"call","from":"11112222","fromName":"Alice"}');
    expect(serverFrameSchemas.call.safeParse(frame).success).toBe(true);
    expect(parseServerFrame(JSON.stringify(frame))).toEqual({ kind: 'frame', frame });
  });

  it.each([
    ['no caller', { type: 'call', fromName: 'Alice' }],
    ['no name', { type: 'call', from: '11112222' }],
    ['another type', { type: 'message', from: '11112222', fromName: 'Alice' }],
  ])('the schema refuses %s', (_what, frame) => {
    expect(serverFrameSchemas.call.safeParse(frame).success).toBe(false);
  });
});
