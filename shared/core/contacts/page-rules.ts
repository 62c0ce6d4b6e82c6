/**
 * The rules of a getContacts request that a client can check before it sends one (shared/runtime/frames.ts uses
 * them, and so the reference client and the published JSON Schema). Browser-safe: no imports.
 */

/** A getContacts page holds at most this many contacts: the largest `limit` a client may ask for, and the default. */
export const MAX_CONTACTS_PAGE = 500;

/**
 * The shape of a getContacts cursor: the key of the last contact of the page before, `im#<imNumber>` or
 * `phone#<E.164>` (clients should pass it back as they got it, not build one).
 */
export const CONTACTS_CURSOR_PATTERN = /^(im#\d{4,12}|phone#\+\d{1,15})$/;
