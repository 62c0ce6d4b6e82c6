/** The most text one message may carry, in code points (an SMS fallback is cut further, to MAX_SMS_CHARS). */
export const MAX_TEXT_CHARS = 4000;
