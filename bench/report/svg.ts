import type { CellKey, CellReport } from '../results';

const SERIES: { key: CellKey; label: string; color: string; dash?: string }[] = [
  { key: 'im-im', label: 'IM → IM', color: '#1f77b4' },
  { key: 'im-sms', label: 'IM → SMS', color: '#ff7f0e' },
  { key: 'sms-im', label: 'SMS → IM', color: '#2ca02c' },
  { key: 'sms-sms', label: 'SMS → SMS', color: '#d62728' },
  { key: 'im-im-all', label: 'IM → IM, all connected', color: '#9467bd', dash: '2 3' },
  { key: 'baseline', label: 'Baseline (Scan), all connected', color: '#555555', dash: '7 4' },
];

const W = 980;
const H = 470;
const PANEL = { w: 400, h: 270, top: 88 };
const LEFTS = [80, 560];

interface Axis {
  min: number;
  max: number;
}

const log = Math.log10;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** No positive finite value to plot (no cells, or a panel whose every value is 0 or NaN): an empty 1–10 axis. */
const EMPTY_AXIS: Axis = { min: 1, max: 10 };

function logRange(values: number[]): Axis {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  // Math.min() of nothing is Infinity, and ticks() would then count exponents forever.
  if (!pos.length) return EMPTY_AXIS;
  // The nearest 1, 2 or 5 × 10^k outside the data, so the lines use the panel's height.
  const steps = (v: number) => [1, 2, 5, 10].map((m) => m * Math.pow(10, Math.floor(log(v))));
  const min = Math.max(...steps(Math.min(...pos)).filter((s) => s <= Math.min(...pos)));
  const max = Math.min(...steps(Math.max(...pos)).filter((s) => s >= Math.max(...pos)));
  return { min, max: max > min ? max : min * 10 };
}

/** 1, 2, 5 × 10^k inside the axis, so a log axis still reads in round numbers. */
function ticks(axis: Axis): number[] {
  const out: number[] = [];
  for (let e = Math.floor(log(axis.min)); e <= Math.ceil(log(axis.max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= axis.min && v <= axis.max) out.push(v);
    }
  }
  return out;
}

const fmt = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v));

function panel(
  left: number,
  title: string,
  unit: string,
  cells: CellReport[],
  value: (c: CellReport) => number,
  xAxis: Axis,
  users: number[],
): string {
  const yAxis = logRange(cells.map(value));
  const x = (u: number) => left + ((log(u) - log(xAxis.min)) / (log(xAxis.max) - log(xAxis.min))) * PANEL.w;
  const y = (v: number) =>
    PANEL.top + PANEL.h - ((log(v) - log(yAxis.min)) / (log(yAxis.max) - log(yAxis.min))) * PANEL.h;
  const parts: string[] = [];
  parts.push(`<text x="${left + PANEL.w / 2}" y="${PANEL.top - 12}" class="title">${esc(title)}</text>`);
  for (const t of ticks(yAxis)) {
    parts.push(`<line x1="${left}" x2="${left + PANEL.w}" y1="${y(t)}" y2="${y(t)}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" class="ytick">${fmt(t)}</text>`);
  }
  for (const u of users) {
    parts.push(
      `<line x1="${x(u)}" x2="${x(u)}" y1="${PANEL.top}" y2="${PANEL.top + PANEL.h}" class="grid"/>`,
    );
    parts.push(
      `<text x="${x(u)}" y="${PANEL.top + PANEL.h + 16}" class="xtick">${u.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(`<rect x="${left}" y="${PANEL.top}" width="${PANEL.w}" height="${PANEL.h}" class="frame"/>`);
  parts.push(
    `<text x="${left + PANEL.w / 2}" y="${PANEL.top + PANEL.h + 34}" class="axis">registered users (log)</text>`,
  );
  parts.push(
    `<text transform="translate(${left - 52} ${PANEL.top + PANEL.h / 2}) rotate(-90)" class="axis">${esc(unit)} (log)</text>`,
  );
  for (const s of SERIES) {
    const pts = cells
      .filter((c) => c.key === s.key && Number.isFinite(value(c)) && value(c) > 0)
      .sort((a, b) => a.users - b.users)
      .map((c) => [x(c.users), y(value(c))] as const);
    if (!pts.length) continue;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<polyline points="${pts.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    for (const [px, py] of pts)
      parts.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  return parts.join('\n  ');
}

/** Throughput and p95 latency against the number of registered users, one line per path, plus the baseline. */
export function chartSvg(cells: CellReport[], subtitle: string): string {
  const users = [...new Set(cells.map((c) => c.users))]
    .filter((u) => Number.isFinite(u) && u > 0)
    .sort((a, b) => a - b);
  // No cells: empty panels on a 1–10 axis (Math.min() of no users is Infinity, which no tick loop ends on).
  const xAxis = users.length ? { min: Math.min(...users) / 1.6, max: Math.max(...users) * 1.6 } : EMPTY_AXIS;
  const legend = SERIES.map((s, i) => {
    const lx = 80 + (i % 3) * 300;
    const ly = H - 46 + Math.floor(i / 3) * 20;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    return (
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${dash}/>` +
      `<text x="${lx + 36}" y="${ly + 4}" class="legend">${esc(s.label)}</text>`
    );
  }).join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">
  <style>
    .title { font-size: 15px; font-weight: bold; text-anchor: middle; fill: #222; }
    .head { font-size: 17px; font-weight: bold; fill: #222; }
    .sub { font-size: 12px; fill: #555; }
    .grid { stroke: #e4e4e4; stroke-width: 1; }
    .frame { fill: none; stroke: #999; }
    .xtick { font-size: 11px; text-anchor: middle; fill: #444; }
    .ytick { font-size: 11px; text-anchor: end; fill: #444; }
    .axis { font-size: 12px; text-anchor: middle; fill: #444; }
    .legend { font-size: 12px; fill: #222; }
  </style>
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="20" y="24" class="head">IM ⇄ SMS on the local stack: throughput and p95 latency by user count</text>
  <text x="20" y="42" class="sub">${esc(subtitle)}</text>
  ${panel(LEFTS[0], 'Throughput', 'messages per second', cells, (c) => c.throughput, xAxis, users)}
  ${panel(LEFTS[1], 'p95 latency', 'milliseconds', cells, (c) => c.latency.p95, xAxis, users)}
  ${legend}
</svg>
`;
}
