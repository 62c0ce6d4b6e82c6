import { encodeFrame } from '../adapters/apigw-im-channel';
import { toServerFrame } from '../adapters/ws-frames';
import type { ImChannel, ImEvent, PushResult } from '../core/ports';

/**
 * The IM channel of one invocation of a two-way route (infra/functions.ts `reply`): frames to the caller's own
 * connection are held back one at a time, so the last one can be the route's response instead of an
 * `@connections` post. A frame to the caller while one is held posts the held one first, so the caller gets the
 * same frames in the same order as with every frame posted; frames to other connections pass straight through.
 * Whatever is held when the invocation ends is {@link ReplyChannel.body}: the function returns it, and API Gateway
 * sends it on the connection (one post saved per invocation that talks back to its caller).
 */
export class ReplyChannel implements ImChannel {
  private held: ImEvent | undefined;

  constructor(
    private readonly inner: ImChannel,
    private readonly caller: string,
  ) {}

  async push(connectionId: string, event: ImEvent): Promise<PushResult> {
    if (connectionId !== this.caller) return this.inner.push(connectionId, event);
    await this.flush();
    this.held = event;
    // The caller's connection is the one this very frame came in on: it is open as far as anyone can know.
    return 'ok';
  }

  /** Posts the held frame, if any (a Gone caller is the same as a closed one: nothing to do). */
  async flush(): Promise<void> {
    const event = this.held;
    this.held = undefined;
    if (event) await this.inner.push(this.caller, event);
  }

  /** The held frame as the route response's body (UTF-8 JSON within API Gateway's frame limit), or undefined. */
  body(): string | undefined {
    const event = this.held;
    this.held = undefined;
    return event ? Buffer.from(encodeFrame(toServerFrame(event))).toString('utf8') : undefined;
  }
}
