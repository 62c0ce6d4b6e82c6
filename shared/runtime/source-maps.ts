import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Stack traces of a deployed function, mapped back to the TypeScript sources (`shared/runtime/ws.ts:40:11`) from
 * the bundle's external `index.js.map` (infra/aws/bundling.ts), read when a stack is first printed.
 *
 * It replaces NODE_OPTIONS=--enable-source-maps, with which Node reads, parses and indexes the whole map (over
 * 1 MB: the AWS SDK is bundled) at every cold start, whether an error ever comes or not: a quarter of some
 * functions' init in the benchmark (docs/benchmark.md). Node's own documentation warns that the flag costs
 * time; here a container that never prints a stack never reads the map, and one that does reads it once.
 *
 * Installed only where it applies: when this code runs from a bundle with a map beside it, and Node does not map
 * stacks itself (--enable-source-maps). Under a test runner or tsx the sources run, not a bundle. A frame of another file,
 * or one the map does not cover, is printed as Node prints it. `bundle`: the running file (this module's own,
 * by default); returns whether it installed.
 */
export function installLazySourceMaps(bundle: string = __filename): boolean {
  const mapFile = `${bundle}.map`;
  // Node maps stacks itself with --enable-source-maps; a test runner or tsx runs the .ts sources, no bundle.
  if (!bundle.endsWith('.js') || process.sourceMapsEnabled) return false;
  if (!existsSync(mapFile)) return false;
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
      } catch {
        map = null; // unreadable: stacks stay as Node prints them
      }
    }
    return map;
  };
  Error.prepareStackTrace = (error, trace) => {
    const frames = trace.map((site, i) => `    at ${frame(site, trace[i + 1], bundle, sourceMap)}`);
    return [header(error), ...frames].join('\n');
  };
  return true;
}

/** The first line of a stack as Node writes it: `Name: message`. */
function header(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

/** Where the map points a position of the bundle (1-based line and column), or undefined outside it. */
function origin(
  map: SourceMap,
  line: number | null,
  column: number | null,
): { originalSource: string; originalLine: number; originalColumn: number; name?: string } | undefined {
  if (line === null || column === null) return undefined;
  // Node returns the source's symbol name too (`name`), which its type leaves out.
  const entry = map.findEntry(line - 1, column - 1);
  return 'originalSource' in entry ? entry : undefined;
}

/** One frame: mapped to its source when it is in the bundle and the map covers it, else as Node writes it. */
function frame(
  site: NodeJS.CallSite,
  caller: NodeJS.CallSite | undefined,
  bundle: string,
  sourceMap: () => SourceMap | null,
): string {
  if (site.getFileName() !== bundle) return String(site);
  const map = sourceMap();
  const at = map && origin(map, site.getLineNumber(), site.getColumnNumber());
  if (!map || !at) return String(site);
  // The minified name says little: the source's name of the enclosing function or of the one its caller called,
  // where the map has it (as Node does), else the minified one.
  const enclosing = origin(
    map,
    site.getEnclosingLineNumber?.() ?? null,
    site.getEnclosingColumnNumber?.() ?? null,
  );
  const called =
    caller?.getFileName() === bundle
      ? origin(map, caller.getLineNumber(), caller.getColumnNumber())
      : undefined;
  const name = enclosing?.name || called?.name || site.getFunctionName() || '<anonymous>';
  // The map holds paths relative to itself (`../../shared/…`): the repository path is what a reader looks for.
  const source = at.originalSource.replace(/^(?:\.\.\/)+/, '').replace(/^file:\/\//, '');
  const where = `${source}:${at.originalLine + 1}:${at.originalColumn + 1}`;
  return `${site.isAsync?.() ? 'async ' : ''}${name} (${where})`;
}

installLazySourceMaps();
