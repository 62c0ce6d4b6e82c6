/** `ack-timeout` → `AckTimeout`: construct ids from manifest names (function and queue names are kebab-case). */
export const pascal = (kebab: string): string =>
  kebab
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
