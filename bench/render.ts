import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderMarkdown } from './report/markdown';
import type { Report } from './results';
import { loadPrices } from './phases/sms-cost';

/** Renders latest.md again from latest.json, after a change to the report's wording or its targets. */
const dir = process.argv[2] ?? path.join(__dirname, 'results');
const report = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as Report;
writeFileSync(path.join(dir, 'latest.md'), renderMarkdown(report, loadPrices()));
process.stderr.write(`rendered ${path.join(dir, 'latest.md')}\n`);
