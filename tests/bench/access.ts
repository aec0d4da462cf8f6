/**
 * The price of record-level security on PostgreSQL: the first page of a list, a page deep in it,
 * a search and a get by id, for an administrator (no condition), a manager (team scope: owner in
 * the team tree's members, or shared) and a rep (own scope, or shared), each beside the same
 * query written by hand in raw SQL through `pg` in the same run. Also loading a user's access
 * (roles + team tree), which a request pays only when its cache entry is stale.
 *
 *   node --experimental-strip-types tests/bench/access.ts          # markdown table on stdout
 *   BENCH_ACCESS_ROWS=1000000 node --experimental-strip-types tests/bench/access.ts
 */
import pg from 'pg';
import { createPostgresDatabase } from '../support/databases.ts';
import { entity, packOf } from '../support/packs.ts';
import { installRoles, role } from '../support/access.ts';
import { startRuntime } from '../../src/lib/server/runtime.ts';
import { applyPack } from '../../src/lib/server/packs/pack-service.ts';
import { loadAccess } from '../../src/lib/server/auth/access-store.ts';
import { listRecords, getRecord, type RecordContext } from '../../src/lib/server/records/record-service.ts';
import { SYSTEM_ACCESS, type Access } from '../../src/lib/access/access.ts';
import { findEntity } from '../../src/lib/model/types.ts';

const ROWS = Number(process.env.BENCH_ACCESS_ROWS ?? 300_000);
const USERS = 60;
const ITERATIONS = Number(process.env.BENCH_ACCESS_ITERATIONS ?? 300);
const started = performance.now();
const log = (m: string) => process.stderr.write(`[bench:access ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${m}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const DEAL = entity('deal', {
  title: { type: 'string', maxLength: 200 },
  amount: { type: 'string', format: 'decimal' },
  stage: { type: 'string', enum: ['new', 'won', 'lost'], default: 'new' },
}, { 'x-title-field': 'title' });

const created = await createPostgresDatabase('peyvand_bench_access');
const runtime = await startRuntime({ url: created.url });
const raw = new pg.Client({ connectionString: created.url });
await raw.connect();
try {
  const applied = await applyPack(runtime.database, packOf([DEAL]), { actorId: null });
  if (!applied.ok) throw new Error('pack');
  log(`${USERS} users in 6 teams (a region, 2 offices, 3 teams), ${ROWS.toLocaleString('en')} deals, 5,000 shares`);
  await raw.query(`insert into peyvand.users (id, email, name, password_hash) select gen_random_uuid(), 'u' || i || '@bench.local', 'User ' || i, 'x' from generate_series(1, ${USERS}) i`);
  await raw.query(`insert into peyvand.teams (id, name) values (gen_random_uuid(), 'Region')`);
  await raw.query(`insert into peyvand.teams (id, name, parent_id) select gen_random_uuid(), 'Office ' || i, (select id from peyvand.teams where name = 'Region') from generate_series(1, 2) i`);
  await raw.query(`insert into peyvand.teams (id, name, parent_id) select gen_random_uuid(), 'Team ' || i, (select id from peyvand.teams where name = 'Office ' || (1 + i % 2)) from generate_series(1, 3) i`);
  // Users 1–20 in team 1, 21–40 team 2, 41–60 team 3; the manager (user 1) also in Office 1.
  await raw.query(`insert into peyvand.team_members (team_id, user_id) select t.id, u.id from peyvand.users u join peyvand.teams t on t.name = 'Team ' || (1 + (substring(u.email from 2 for position('@' in u.email) - 2)::int - 1) / 20)`);
  await raw.query(`insert into peyvand.team_members (team_id, user_id) select t.id, u.id from peyvand.users u, peyvand.teams t where u.email = 'u1@bench.local' and t.name = 'Office 1'`);
  await raw.query(`
    insert into data.deal (id, created_at, updated_at, created_by, owner, version, _search, title, amount, stage)
    select gen_random_uuid(), now(), now(), o.id, o.id, 1, peyvand.search_text('Deal ' || g), 'Deal ' || g, (g % 1000)::numeric, 'new'
    from generate_series(1, ${ROWS}) g
    join lateral (select id from peyvand.users order by email offset (g % ${USERS}) limit 1) o on true`);
  await raw.query(`insert into peyvand.record_shares (id, entity, record_id, user_id, access) select gen_random_uuid(), 'deal', d.id, (select id from peyvand.users where email = 'u2@bench.local'), 'read' from (select id from data.deal order by id limit 5000) d`);
  await raw.query('analyze');

  await installRoles(runtime.database, [
    role({ name: 'manager', title: 'Manager', entities: { deal: { read: 'team', update: 'team' } } }),
    role({ name: 'rep', title: 'Rep', entities: { deal: { read: 'own', update: 'own' } } }),
  ]);
  const model = (await runtime.refresh()).model;
  const deal = findEntity(model, 'deal');
  if (!deal) throw new Error('deal');
  const ids = Object.fromEntries((await raw.query<{ email: string; id: string }>(`select email, id from peyvand.users`)).rows.map((r) => [r.email, r.id]));
  await raw.query(`insert into peyvand.user_roles (user_id, role) values ($1, 'manager'), ($2, 'rep')`, [ids['u1@bench.local'], ids['u2@bench.local']]);
  const manager = await loadAccess(runtime.database.db, model, { id: ids['u1@bench.local'] ?? '', isAdmin: false });
  const rep = await loadAccess(runtime.database.db, model, { id: ids['u2@bench.local'] ?? '', isAdmin: false });
  const someDeal = (await raw.query<{ id: string }>(`select id from data.deal where owner = $1 limit 1`, [ids['u2@bench.local']])).rows[0]?.id ?? '';
  const deepCursorOf = async (access: Access) => {
    let page = await listRecords({ db: runtime.database.db, actorId: null, access }, deal, { limit: 200 });
    for (let i = 0; i < 4 && page.ok && page.value.nextCursor; i++) page = await listRecords({ db: runtime.database.db, actorId: null, access }, deal, { limit: 200, cursor: page.value.nextCursor });
    return page.ok ? page.value.nextCursor : null;
  };

  type Row = { measure: string; who: string; ours: number; baseline: number };
  const rows: Row[] = [];
  const who: [string, Access, string, unknown[]][] = [
    ['administrator', SYSTEM_ACCESS, 'true', []],
    ['manager (team scope)', manager, `(owner = any($1::uuid[]) or id in (select record_id from peyvand.record_shares s where s.entity = 'deal' and (s.user_id = $2 or s.team_id = any($3::uuid[]))))`, [manager.teams.users, manager.userId, manager.teams.ancestors]],
    ['rep (own scope + 5,000 shares)', rep, `(owner = $1 or id in (select record_id from peyvand.record_shares s where s.entity = 'deal' and (s.user_id = $2 or s.team_id = any($3::uuid[]))))`, [rep.userId, rep.userId, rep.teams.ancestors]],
  ];
  for (const [name, access, where, params] of who) {
    const ctx: RecordContext = { db: runtime.database.db, actorId: access.userId, access };
    log(`${name}: first page, deep page, search, get`);
    const first = await time(() => listRecords(ctx, deal, { limit: 50 }));
    const firstRaw = await time(() => raw.query(`select * from data.deal where ${where} order by id desc limit 51`, params));
    rows.push({ measure: 'list: first page (50)', who: name, ours: first, baseline: firstRaw });
    const cursor = await deepCursorOf(access);
    if (cursor) {
      const after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as string[];
      const deep = await time(() => listRecords(ctx, deal, { limit: 50, cursor }));
      const deepRaw = await time(() => raw.query(`select * from data.deal where ${where} and id < $${params.length + 1} order by id desc limit 51`, [...params, after[0]]));
      rows.push({ measure: 'list: page after 1,000 rows', who: name, ours: deep, baseline: deepRaw });
    }
    const search = await time(() => listRecords(ctx, deal, { limit: 50, search: 'Deal 12345' }));
    const searchRaw = await time(() => raw.query(`select * from data.deal where ${where} and _search like '%' || peyvand.search_text($${params.length + 1}) || '%' order by id desc limit 51`, [...params, 'Deal 12345']));
    rows.push({ measure: 'list: search', who: name, ours: search, baseline: searchRaw });
    const get = await time(() => getRecord(ctx, deal, someDeal));
    const getRaw = await time(() => raw.query(`select * from data.deal where id = $${params.length + 1} and ${where}`, [...params, someDeal]));
    rows.push({ measure: 'get by id', who: name, ours: get, baseline: getRaw });
  }
  log('loading access (roles + team tree)');
  const load = await time(() => loadAccess(runtime.database.db, model, { id: ids['u1@bench.local'] ?? '', isAdmin: false }));
  const loadRaw = await time(() => raw.query(`select role from peyvand.user_roles where user_id = $1`, [ids['u1@bench.local']]));

  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const lines = [
    `**Record-level security — ${ROWS.toLocaleString('en')} deals, ${USERS} users in a 3-level team tree, PostgreSQL 15, median of ${ITERATIONS}**`,
    '',
    '| measure | who | Peyvand | raw SQL (same condition) | ratio |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${r.who} | ${ms(r.ours)} | ${ms(r.baseline)} | ${(r.baseline / r.ours).toFixed(2)}× |`),
    `| load a user's access (roles + teams, 4 queries) | manager | ${ms(load)} | ${ms(loadRaw)} (1 query: the roles only) | ${(loadRaw / load).toFixed(2)}× |`,
    '',
    '- ratio = raw SQL time ÷ Peyvand time (1× = as fast as the hand-written query).',
    "- The raw SQL has the same scope condition; Peyvand adds validation, the policy, row → record conversion and hidden-field filtering.",
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await raw.end();
  await runtime.close();
  await created.drop();
}
