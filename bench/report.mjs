// bench/report.mjs: the numbers of one `make bench` run, put together.
//
//   node bench/report.mjs OUT_DIR
//
// Reads OUT_DIR/parts/*.json (written by the bench/*.sh steps and
// scripts/bench.sh), writes OUT_DIR/results.json (everything),
// OUT_DIR/results.md (the tables) and OUT_DIR/chart.svg (on-sale
// throughput and latency against connections), and prints results.md.
// The goals of issue 9 are reported against, never asserted: the exit
// status says whether the report could be written, not whether a goal
// was met.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: report.mjs OUT_DIR');
  process.exit(2);
}

function part(name) {
  const f = join(out, 'parts', `${name}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

const r = {
  conditions: part('conditions'),
  onsale: part('onsale'),
  pgbench: part('pgbench'),
  seatmap: part('seatmap'),
  purchase: part('purchase'),
  memory: part('memory'),
  invariants: part('invariants'),
};

const int = (x) => (x == null ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x) => (x == null ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pct = (x) => (x == null ? '–' : `${(x * 100).toFixed(0)}%`);
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);
const levels = r.onsale?.levels ?? [];
const level = (c) => levels.find((l) => l.connections === c) ?? null;
const oversold = (inv) => (inv ? inv.seats_in_two_live_reservations +
  inv.taken_seats_without_reservation + inv.reserved_seats_not_taken : null);

// The goals of issue 9, each measured or "not measured".
function goals() {
  const g = [];
  const best = levels.length ? levels.reduce((a, b) => (b.decided_per_s > a.decided_per_s ? b : a)) : null;
  const pgb = r.pgbench?.decided_per_s;
  g.push({
    goal: 'HTTP ÷ pgbench (decided holds/s)', target: '≥ 0.8',
    value: best && pgb ? best.decided_per_s / pgb : null,
    shown: best && pgb ? `${(best.decided_per_s / pgb).toFixed(2)} (${int(best.decided_per_s)} at ${best.connections} conns ÷ ${int(pgb)})` : null,
    met: (v) => v >= 0.8,
  });
  const l200 = level(200), l2000 = level(2000);
  g.push({
    goal: 'throughput at 2,000 connections ÷ at 200', target: '≥ 0.9',
    value: l200 && l2000 ? l2000.decided_per_s / l200.decided_per_s : null,
    shown: l200 && l2000 ? `${(l2000.decided_per_s / l200.decided_per_s).toFixed(2)} (${int(l2000.decided_per_s)} ÷ ${int(l200.decided_per_s)})` : null,
    met: (v) => v >= 0.9,
  });
  g.push({
    goal: 'seat-map reads ÷ nginx, same bytes', target: '≥ 1',
    value: r.seatmap?.ratio ?? null,
    shown: r.seatmap ? `${r.seatmap.ratio.toFixed(2)} (${int(r.seatmap.encore.rps)}/s ÷ ${int(r.seatmap.nginx.rps)}/s)` : null,
    met: (v) => v >= 1,
  });
  const invs = [...levels.map((l) => l.invariants), r.pgbench?.invariants, r.invariants].filter(Boolean);
  const bad = invs.length ? sum(invs.map(oversold)) : null;
  g.push({
    goal: 'seats sold or held twice, or out of step with reservations', target: '0',
    value: bad, shown: bad == null ? null : `${bad} (checked ${invs.length} times, ${int(r.invariants?.seats_taken)} seats taken at the end)`,
    met: (v) => v === 0,
  });
  const fives = levels.length || r.purchase ? sum(levels.map((l) => l.server_errors)) +
    (r.purchase?.server_errors ?? 0) : null;
  g.push({
    goal: '5xx answers (on-sale + purchases)', target: '0', value: fives,
    shown: fives == null ? null : `${fives}`, met: (v) => v === 0,
  });
  const growth = r.memory?.workers?.filter((w) => !w.restarted).map((w) => w.rss_growth_mb_per_million) ?? [];
  const worst = growth.length ? Math.max(...growth) : null;
  g.push({
    goal: 'worker RSS growth per million requests', target: '< 5 MB',
    value: worst, shown: worst == null ? null : `${worst.toFixed(2)} MB (worst worker; ${int(r.memory.requests)} requests)`,
    met: (v) => v < 5,
  });
  const restarts = sum(levels.map((l) => l.worker_restarts)) + (r.seatmap?.encore?.worker_restarts ?? 0) +
    (r.memory?.worker_restarts ?? 0) + (r.purchase?.worker_restarts ?? 0);
  g.push({
    goal: 'kore workers that died and were restarted (not an issue-9 goal)', target: '0',
    value: restarts, shown: `${restarts}`, met: (v) => v === 0,
  });
  return g.map((x) => ({
    goal: x.goal, target: x.target, measured: x.shown ?? 'not measured',
    met: x.value == null ? null : x.met(x.value),
  }));
}

function markdown(g) {
  const L = [];
  const c = r.conditions ?? {};
  L.push('# encore benchmark results', '');
  L.push(`Run ${c.started_at ?? '?'} on commit \`${c.commit ?? '?'}\`${c.dirty ? ' (with uncommitted changes)' : ''}: ` +
    `${c.cpus ?? '?'} CPUs shared by the server, Postgres, Redis and the load generator; ` +
    `load average ${c.load_before ?? '?'} before, ${c.load_after ?? '?'} after. ` +
    `kore ${c.kore_workers ?? 2} workers × ENCORE_DB_POOL_SIZE ${c.db_pool_size ?? 8}. ` +
    `${c.note ?? ''}`.trim(), '');
  L.push('## Goals (issue 9): reported, not asserted', '');
  L.push('| goal | target | measured | met |', '|---|---|---|---|');
  for (const x of g)
    L.push(`| ${x.goal} | ${x.target} | ${x.measured} | ${x.met == null ? '–' : x.met ? 'yes' : '**no**'} |`);
  L.push('');
  if (levels.length) {
    L.push(`## Hot on-sale over HTTP (wrk, ${ms(r.onsale.seconds_per_level)} s a level, a fresh 100,000-seat concert each)`, '');
    L.push(`Requests: ${r.onsale.mix}. Decided = 201 held + 409 refused.`, '');
    L.push('| connections | decided/s | 201 | 409 | other 4xx | 5xx | p50 ms | p99 ms | max ms | socket errors | worker restarts | oversold | reservations without a 201 |');
    L.push('|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const cold = r.onsale.cold_statistics;
    const rows = cold ? [{ ...cold, label: `${int(cold.connections)}, new concert, no ANALYZE (planner expects ${int(cold.planner_estimated_seats)} of its 100,000 seats)` }, ...levels] : levels;
    for (const l of rows) {
      const fives = Object.keys(l.server_error_codes ?? {}).length
        ? `${int(l.server_errors)} (${Object.entries(l.server_error_codes).map(([k, v]) => `${k}: ${int(v)}`).join(', ')})`
        : `${int(l.server_errors)}`;
      const other = Object.entries(l.other_answers ?? {}).map(([k, v]) => `${k}: ${int(v)}`).join(', ') || '0';
      L.push(`| ${l.label ?? int(l.connections)} | ${int(l.decided_per_s)} | ${int(l.held)} | ${int(l.refused)} | ${other} | ` +
        `${fives} | ${ms(l.latency_ms.p50)} | ${ms(l.latency_ms.p99)} | ${ms(l.latency_ms.max)} | ` +
        `${sum(Object.values(l.socket_errors))} | ${l.worker_restarts} | ${oversold(l.invariants)} | ${l.invariants.reservations_without_a_201} |`);
    }
    L.push('', 'Each level runs on a fresh concert whose seats were ANALYZEd first. The "new concert, no ANALYZE" row ' +
      'is a sale opening right after the concert was created, with the statistics of the seats table as they were ' +
      'before it (fresh, but without this concert; autovacuum analyzes again only after 10% of the table changed), ' +
      'as a real on-sale of a new concert would. ' +
      '"Reservations without a 201" are holds still in flight when wrk stopped (committed after it stopped counting); ' +
      'they are at most the number of connections, and the invariants include them.');
    const why = [...new Set(rows.flatMap((l) => l.worker_death_reasons ?? []))];
    if (why.length)
      L.push('', `Worker deaths logged by kore: ${why.map((w) => `\`${w}\``).join('; ')}.`);
    L.push('');
  }
  if (r.pgbench) {
    const p = r.pgbench;
    L.push('## The same SQL functions through pgbench', '');
    L.push(`${p.clients} connections (as the app's pool), ${p.seconds} s, ${p.protocol}; same mix and concert shape, committed holds.`, '');
    L.push('| decided/s | held | refused | p50 ms | p99 ms | oversold |', '|---:|---:|---:|---:|---:|---:|');
    L.push(`| ${int(p.decided_per_s)} | ${int(p.held)} | ${int(p.refused)} | ${ms(p.latency_ms.p50)} | ${ms(p.latency_ms.p99)} | ${oversold(p.invariants)} |`);
    if (levels.length)
      L.push('', `HTTP ÷ pgbench per level: ${levels.map((l) => `${l.connections}: ${(l.decided_per_s / p.decided_per_s).toFixed(2)}`).join(', ')}.`);
    L.push('');
  }
  if (r.seatmap) {
    const s = r.seatmap;
    L.push(`## Seat-map reads (${s.connections} connections, whole maps, ${s.sections} sections at random, mean ${int(s.mean_body_bytes)} bytes)`, '');
    L.push('| server | reads/s | p50 ms | p99 ms | non-2xx | socket errors |', '|---|---:|---:|---:|---:|---:|');
    for (const [name, x] of [['encore (Redis cache)', s.encore], ['nginx (static files)', s.nginx]])
      L.push(`| ${name} | ${int(x.rps)} | ${ms(x.latency_ms.p50)} | ${ms(x.latency_ms.p99)} | ${x.non_2xx_3xx} | ${sum(Object.values(x.socket_errors))} |`);
    L.push('', `encore ÷ nginx: ${s.ratio.toFixed(2)}.`, '');
  }
  if (r.purchase) {
    const p = r.purchase;
    L.push(`## Whole purchases (login → hold → stand-in checkout → confirm → read back; ${p.buyers} buyers, ${p.seconds} s)`, '');
    L.push('| purchases/s | purchases | attempts | p50 ms | p99 ms | failures | 5xx |', '|---:|---:|---:|---:|---:|---|---:|');
    const f = Object.entries(p.failures).map(([k, v]) => `${k}: ${v}`).join(', ') || '0';
    L.push(`| ${p.per_second} | ${int(p.purchases)} | ${int(p.attempts)} | ${ms(p.latency_ms.p50)} | ${ms(p.latency_ms.p99)} | ${f} | ${p.server_errors} |`);
    L.push('', `Per step p50/p99 ms: ${Object.entries(p.steps_ms).map(([k, v]) => `${k} ${ms(v.p50)}/${ms(v.p99)}`).join(', ')}.`, '');
  }
  if (r.memory) {
    const m = r.memory;
    L.push(`## Worker memory and file descriptors (${int(m.requests)} requests in ${m.seconds} s, ${int(m.rps)}/s)`, '');
    L.push(`Mix: ${m.mix}; ${m.connections} connections; non-2xx ${m.non_2xx_3xx}, socket errors ${m.socket_errors}, worker restarts ${m.worker_restarts}.`, '');
    L.push('| worker pid | RSS before kB | RSS after kB | growth MB per million | fds before | fds after |', '|---:|---:|---:|---:|---:|---:|');
    for (const w of m.workers)
      L.push(`| ${w.pid} | ${int(w.rss_kb_before)} | ${w.restarted ? 'restarted' : int(w.rss_kb_after)} | ` +
        `${w.restarted ? '–' : w.rss_growth_mb_per_million.toFixed(2)} | ${w.fds_before} | ${w.restarted ? '–' : w.fds_after} |`);
    L.push('');
  }
  if (r.invariants) {
    const i = r.invariants;
    L.push('## Invariants over the whole database at the end', '');
    L.push(`Seats in two live reservations: ${i.seats_in_two_live_reservations}; HELD/SOLD seats without their ` +
      `PENDING/PAID reservation: ${i.taken_seats_without_reservation}; seats of PENDING/PAID reservations not ` +
      `HELD/SOLD by them: ${i.reserved_seats_not_taken} (over ${int(i.seats_taken)} taken seats, ` +
      `${int(i.live_reservations)} live reservations).`, '');
  }
  return L.join('\n');
}

// Two panels: decided holds/s (with pgbench's as a line) and p50/p99
// latency, against connections on a log scale.
function chart() {
  const W = 880, H = 380, pad = { l: 64, r: 20, t: 68, b: 52 }, gap = 70;
  const pw = (W - pad.l - pad.r - gap) / 2, ph = H - pad.t - pad.b;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const xs = levels.map((l) => l.connections);
  const lx0 = Math.log10(Math.min(...xs) / 1.5), lx1 = Math.log10(Math.max(...xs) * 1.5);
  const X = (ox, c) => ox + ((Math.log10(c) - lx0) / (lx1 - lx0)) * pw;
  const nice = (v) => {
    const e = 10 ** Math.floor(Math.log10(v || 1));
    return [1, 2, 2.5, 5, 10].map((m) => m * e).find((m) => m >= v);
  };
  const s = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Liberation Sans, Arial, sans-serif" font-size="12">`);
  s.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const c = r.conditions ?? {};
  s.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">encore hot on-sale: 2-seat holds over HTTP (wrk), ${esc(c.started_at ?? '')}</text>`);
  function panel(ox, title, series, ymax, unit) {
    const top = nice(ymax * 1.1);
    const Y = (v) => pad.t + ph - (v / top) * ph;
    s.push(`<text x="${ox + pw / 2}" y="${pad.t - 30}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      s.push(`<line x1="${ox}" x2="${ox + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e3e3e3"/>`);
      s.push(`<text x="${ox - 6}" y="${Y(v) + 4}" text-anchor="end" fill="#444">${int(v)}</text>`);
    }
    for (const x of xs) {
      s.push(`<line x1="${X(ox, x)}" x2="${X(ox, x)}" y1="${pad.t + ph}" y2="${pad.t + ph + 5}" stroke="#444"/>`);
      s.push(`<text x="${X(ox, x)}" y="${pad.t + ph + 18}" text-anchor="middle" fill="#444">${int(x)}</text>`);
    }
    s.push(`<rect x="${ox}" y="${pad.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
    s.push(`<text x="${ox + pw / 2}" y="${H - 12}" text-anchor="middle">connections (log scale)</text>`);
    s.push(`<text transform="translate(${ox - 48} ${pad.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(unit)}</text>`);
    let lx = ox;
    const ly = pad.t - 10;
    for (const se of series) {
      if (se.flat != null) {
        s.push(`<line x1="${ox}" x2="${ox + pw}" y1="${Y(se.flat)}" y2="${Y(se.flat)}" stroke="${se.color}" stroke-dasharray="6 4" stroke-width="1.5"/>`);
      } else {
        const pts = se.values.map((v, i) => `${X(ox, xs[i]).toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
        s.push(`<polyline points="${pts}" fill="none" stroke="${se.color}" stroke-width="2"/>`);
        se.values.forEach((v, i) => {
          s.push(`<circle cx="${X(ox, xs[i]).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="3.5" fill="${se.color}"/>`);
          if (se.unlabelled)
            return;
          s.push(`<text x="${X(ox, xs[i]).toFixed(1)}" y="${(Y(v) - 8).toFixed(1)}" text-anchor="middle" font-size="11" fill="${se.color}">${int(v)}</text>`);
        });
      }
      s.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${se.color}" stroke-width="2"${se.flat != null ? ' stroke-dasharray="6 4"' : ''}/>`);
      s.push(`<text x="${lx + 24}" y="${ly}" fill="#222">${esc(se.name)}</text>`);
      lx += 34 + se.name.length * 6.2;
    }
  }
  const tput = levels.map((l) => l.decided_per_s);
  const series = [{ name: 'decided holds/s (201 + 409)', color: '#1f6feb', values: tput }];
  if (r.pgbench)
    series.push({ name: `pgbench, ${r.pgbench.clients} connections`, color: '#d1242f', flat: r.pgbench.decided_per_s });
  panel(pad.l, 'Throughput', series, Math.max(...tput, r.pgbench?.decided_per_s ?? 0), 'decided holds per second');
  const p99 = levels.map((l) => l.latency_ms.p99), p50 = levels.map((l) => l.latency_ms.p50);
  panel(pad.l + pw + gap, 'Latency', [
    { name: 'p99', color: '#8250df', values: p99 },
    { name: 'p50', color: '#2da44e', values: p50, unlabelled: true },
  ], Math.max(...p99), 'milliseconds');
  s.push('</svg>');
  return s.join('\n') + '\n';
}

const g = goals();
r.goals = g;
writeFileSync(join(out, 'results.json'), JSON.stringify(r, null, 2) + '\n');
const md = markdown(g);
writeFileSync(join(out, 'results.md'), md + '\n');
if (levels.length)
  writeFileSync(join(out, 'chart.svg'), chart());
console.log(md);
