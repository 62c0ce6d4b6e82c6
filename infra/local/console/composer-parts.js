// What the IM and the phone composers share: the message box's keys and the form that never navigates.
import { h } from './dom.js';

/**
 * A message textarea. Enter sends (Shift+Enter breaks the line; an IME composition is left alone), and every
 * edit calls `onInput` (to clear an error and recount segments).
 * @param {{id: string, maxlength: number, placeholder: string, testid: string, describedBy: string,
 *   onSubmit: () => void, onInput: () => void}} opts
 */
export function messageTextarea({ id, maxlength, placeholder, testid, describedBy, onSubmit, onInput }) {
  return h('textarea', {
    id,
    class: 'composer-input',
    rows: 2,
    maxlength,
    placeholder,
    testid,
    'aria-describedby': describedBy,
    onkeydown: (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        onSubmit();
      }
    },
    oninput: onInput,
  });
}

/** The composer's `<form>`: submitting calls `onSubmit` and never reloads the page. */
export function composerForm(onSubmit, ...children) {
  return h(
    'form',
    {
      class: 'composer',
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        onSubmit();
      },
    },
    ...children,
  );
}
