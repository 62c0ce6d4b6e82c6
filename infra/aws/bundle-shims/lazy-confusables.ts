import type * as Confusables from 'unicode-confusables';

/**
 * Bundled in place of `unicode-confusables` (infra/aws/bundling.ts, `--alias`): the same functions, with the
 * package, and its table (~118 KB of JSON, a quarter of a small Lambda bundle), loaded on the first call instead
 * of at require(). Name keys (shared/core/provisioning/names.ts `skeleton`) need it; most functions never compute
 * one, and parsing the table at load cost every cold start (bench section 5). The core imports the package
 * statically (its layer loads nothing at run time), so the laziness lives here, in the bundles only.
 */
let real: typeof Confusables | undefined;

function load(): typeof Confusables {
  // By path, not by name: the alias maps the name to this file. CommonJS, so esbuild keeps it as a lazy module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  real ??= require('../../../node_modules/unicode-confusables/index.js') as typeof Confusables;
  return real;
}

/** unicode-confusables' `rectifyConfusion`, the package loaded on the first call. */
export function rectifyConfusion(text: string): string {
  return load().rectifyConfusion(text);
}

/** unicode-confusables' `isConfusing`, the package loaded on the first call. */
export function isConfusing(text: string): boolean {
  return load().isConfusing(text);
}
