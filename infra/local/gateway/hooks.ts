/** How the gateway reports: structured lines with ids, routes and status codes only, and handler failures. */
export interface GatewayHooks {
  log: (event: string, fields: Record<string, unknown>) => void;
  onError: (err: unknown, where: string) => void;
}
