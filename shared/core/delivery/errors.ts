/** An error's name, safe to log (never its message, which may carry input). */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
