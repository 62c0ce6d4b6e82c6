/** A phone number in E.164 as the contract states it: `+`, a country code not starting with 0, 7-15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
