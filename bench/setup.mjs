// bench/setup.mjs: what the benchmarks need before they start, made through
// the public API of a running encore (BASE_URL, default the bench stack).
//
//   node bench/setup.mjs tokens N FILE [PREFIX]
//       N members signed in through POST /api/v1/auth/dev-login; their
//       access tokens, one a line, in FILE. Prints {"tokens", "seconds",
//       "per_second", "retried_without_answer"}.
//   node bench/setup.mjs concert KIND
//       A fresh concert made by the admin (POST /api/v1/concerts). KIND
//       "big": 25 sections A-Y of 20 rows x 200 seats (100,000 seats, the
//       most a layout may have); "arena": the default arena (43,000 seats);
//       "small": 4 sections A-D of 2 rows x 20 seats (small seat maps).
//       Prints {"id", "seats_total", "sections"}.
//
// Nothing here measures anything: it only prepares. Fails loudly (exit 1)
// when the server does not answer as the contract says.

const BASE = (process.env.BASE_URL ?? 'http://127.0.0.1:18480').replace(/\/+$/, '');
const ADMIN = (process.env.ENCORE_ADMIN_EMAILS ?? 'admin@encore.local').split(',')[0].trim();
const PARALLEL = Number(process.env.BENCH_LOGIN_PARALLEL ?? 8);

let retried = 0;

// Dev login is an upsert: a try that got no answer (a worker died under
// it) is simply made again, a few times.
async function devLogin(email) {
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(`${BASE}/api/v1/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, name: email.split('@')[0] }),
      });
      break;
    } catch (err) {
      if (attempt === 5)
        throw new Error(`dev-login ${email}: ${err.cause?.code ?? err.message}`);
      retried++;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`dev-login ${email}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text).access_token;
}

async function mintTokens(n, file, prefix) {
  const { writeFileSync } = await import('node:fs');
  const tokens = new Array(n);
  const started = Date.now();
  let next = 0;
  async function lane() {
    while (next < n) {
      const i = next++;
      tokens[i] = await devLogin(`${prefix}-${i}@bench.example`);
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  writeFileSync(file, tokens.join('\n') + '\n');
  const seconds = (Date.now() - started) / 1000;
  return { tokens: n, seconds, per_second: Math.round(n / seconds), retried_without_answer: retried };
}

function bigLayout() {
  const sections = [];
  for (let i = 0; i < 25; i++) {
    sections.push({
      code: String.fromCharCode(65 + i),
      tier: i < 5 ? 'VIP' : i < 12 ? 'STANDARD' : 'ECONOMY',
      rows: 20,
      seats_per_row: 200,
    });
  }
  return { sections };
}

async function createConcert(kind) {
  const token = await devLogin(ADMIN);
  const body = {
    title: `Bench ${kind} ${new Date().toISOString()}`,
    venue: 'Bench Hall',
    starts_at: '2027-06-01T19:00:00+09:00',
    base_price: 50000,
    max_tickets_per_member: 10,
  };
  if (kind === 'big')
    body.layout = bigLayout();
  else if (kind === 'small')
    body.layout = { sections: ['A', 'B', 'C', 'D'].map((code) => ({ code, tier: 'STANDARD', rows: 2, seats_per_row: 20 })) };
  else if (kind !== 'arena')
    throw new Error(`concert kind must be big, small or arena, not ${kind}`);
  const res = await fetch(`${BASE}/api/v1/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201)
    throw new Error(`create concert: ${res.status} ${text.slice(0, 300)}`);
  const c = JSON.parse(text).concert;
  const detail = await fetch(`${BASE}/api/v1/concerts/${c.id}`).then((r) => r.json());
  return {
    id: c.id,
    seats_total: detail.concert.seats_total,
    sections: detail.concert.sections.map((s) => s.code),
  };
}

async function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === 'tokens' && args.length >= 2) {
    const n = parseInt(args[0], 10);
    if (!(n > 0))
      throw new Error(`tokens: N must be a positive integer, not ${args[0]}`);
    return mintTokens(n, args[1], args[2] ?? `bench-${Date.now()}`);
  }
  if (cmd === 'concert' && args.length === 1)
    return createConcert(args[0]);
  throw new Error('usage: setup.mjs tokens N FILE [PREFIX] | concert big|arena|small');
}

main(process.argv.slice(2)).then(
  (out) => console.log(JSON.stringify(out)),
  (err) => { console.error(`bench/setup.mjs: ${err.message}`); process.exit(1); },
);
