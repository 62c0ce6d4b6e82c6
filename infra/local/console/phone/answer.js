// An invitation on a plain phone: when the open thread's newest SMS is an invitation ("… Reply YES to accept or
// NO to decline …"), one tap texts the answer back on that thread, as the person would type it.
import { h, replace } from '../dom.js';

const ANSWERS = [
  { word: 'YES', label: 'YES: join', cls: 'btn-sms' },
  { word: 'NO', label: 'NO: decline', cls: 'btn-ghost' },
  { word: 'CANCEL', label: 'CANCEL: never again', cls: 'btn-ghost' },
];

/** True for the invitation SMS the server sends (shared/core/invitations/invite.ts words it). */
export function isInvitation(body) {
  return /\binvites you\b/i.test(body ?? '') && /\bReply YES\b/.test(body ?? '');
}

/** `card` gives send(to, body) → Promise<error message | null>. */
export class AnswerBar {
  constructor(card) {
    this.card = card;
    this.el = h('div', {
      class: 'answer-bar',
      testid: 'phone-answers',
      role: 'group',
      'aria-label': 'Answer the invitation',
      hidden: true,
    });
    this.thread = null;
  }

  /** Shows the answers when the open thread's newest incoming SMS is an invitation. */
  render(thread) {
    const last = thread?.items.filter((i) => i.dir === 'in').at(-1);
    const lastOut = thread?.items.filter((i) => i.dir === 'out').at(-1);
    const open = Boolean(last && isInvitation(last.body) && !(lastOut && lastOut.at > last.at));
    this.el.hidden = !open;
    if (!open) return;
    if (this.thread === thread.number && this.el.childElementCount) return;
    this.thread = thread.number;
    replace(
      this.el,
      h('span', { class: 'answer-label' }, 'Answer:'),
      ANSWERS.map(({ word, label, cls }) =>
        h(
          'button',
          {
            type: 'button',
            class: `btn btn-sm ${cls}`,
            testid: 'phone-answer',
            dataset: { answer: word },
            onclick: () => this.card.send(thread.number, word),
          },
          label,
        ),
      ),
    );
  }
}
