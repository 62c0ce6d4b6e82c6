import { encodeFrame } from '../adapters/apigw-im-channel';
import { toServerFrame } from '../adapters/ws-frames';
import type { ImChannel, ImEvent, PushResult, SmsProvider } from '../core/ports';

/**
 * The IM channel of one invocation of a two-way route (infra/functions.ts `reply`): when the invocation has
 * exactly one frame for its caller's own connection (sendMessage to an online recipient: the `accepted` receipt;
 * a duplicate's receipt; an error), that frame is the route's response instead of an `@connections` post. The
 * first frame to the caller is held; a second one posts the held one and then itself, and every later one is
 * posted as it comes; and before an SMS leaves (see {@link ReplyChannel.guard}) the held frame is posted, so an
 * invocation with an SMS leg (`accepted`, then `sent_sms`, with the provider's status callback free to push
 * `delivered_sms` at any moment) gives the caller the same frames in the same order as before. Frames to other connections pass straight through. What is still held when the invocation ends is
 * {@link ReplyChannel.body}: the function returns it and API Gateway sends it on the connection.
 */
export class ReplyChannel implements ImChannel {
  private held: ImEvent | undefined;
  private passing = false;

  constructor(
    private readonly inner: ImChannel,
    private readonly caller: string,
  ) {}

  async push(connectionId: string, event: ImEvent): Promise<PushResult> {
    if (connectionId !== this.caller || this.passing) return this.inner.push(connectionId, event);
    if (this.held) {
      this.passing = true;
      await this.flush();
      return this.inner.push(connectionId, event);
    }
    this.held = event;
    // The caller's connection is the one this very frame came in on: it is open as far as anyone can know.
    return 'ok';
  }

  /**
   * The SMS provider, guarded: before an SMS leaves, the held frame is posted and every later one too, since the
   * provider's status callback (another function) may push the next status to the caller at any moment after.
   */
  guard(sms: SmsProvider): SmsProvider {
    return {
      name: sms.name,
      send: async (request) => {
        this.passing = true;
        await this.flush();
        return sms.send(request);
      },
      // The lookup before a retry or a resume (sending nothing, so nothing to flush): without it, a send from
      // this route could not ask the provider and would retry unproven.
      ...(sms.find ? { find: sms.find.bind(sms) } : {}),
    };
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
