/**
 * The long proof (`npm run proof`): the scenarios of __tests__/e2e at full length, each checked like the tests
 * check the short ones, and a table of what was held, survived and tried. Exits non-zero when a guarantee
 * fails. `npm run proof -- --quick` runs every scenario briefly (a minute or so) to try the script itself.
 */
import { cpus } from 'node:os';
import type { StoreFailureMode } from '../../src/engine/index.js';
import { stopServerProcesses } from '../../__tests__/helpers/serverProcess.js';
import { runClientMemory } from './clientMemory.js';
import { runHammer } from './hammer.js';
import { generatedCorpus, hostileCorpus, runHostile } from './hostile.js';
import { runManyClients } from './manyClients.js';
import { runOutage } from './outage.js';

/** The plugin's default store timeout, and what a request may take beyond it (Apollo's own work), ms. */
const STORE_TIMEOUT_MS = 200;
const MARGIN_MS = 150;
/** The bound every hostile document is answered within, ms. */
const HOSTILE_BOUND_MS = 3_000;

interface Row {
  readonly proof: string;
  readonly load: string;
  readonly held: boolean;
  readonly figures: string;
  /** Requests that got no answer, or a 5xx other than deny's 503. */
  readonly lost: number;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const s = (ms: number) => `${fmt(ms / 1000, 0)} s`;

function printTable(rows: readonly Row[]): void {
  const header = ['proof', 'load', 'held', 'figures'];
  const cells = rows.map((r) => [r.proof, r.load, r.held ? 'yes' : 'NO', r.figures]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

export async function runProof(args: readonly string[]): Promise<boolean> {
  const quick = args.includes('--quick');
  const scale = (long: number, short: number) => (quick ? short : long);
  const rows: Row[] = [];
  const started = performance.now();
  console.log(
    `graphql-quota proof${quick ? ' (quick)' : ''}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`,
  );

  // Faults: Redis killed, restarted, then paused, under load, in each failure mode and both client configs.
  const outages: [StoreFailureMode, boolean][] = [
    ['allow', false],
    ['deny', false],
    ['fallback', false],
    ['allow', true],
    ['deny', true],
    ['fallback', true],
  ];
  for (const [mode, failFast] of outages) {
    const phases = {
      warmMs: scale(2_000, 400),
      downMs: scale(5_000, 1_200),
      recoverMs: scale(3_000, 800),
      pauseMs: scale(5_000, 1_200),
      tailMs: scale(3_000, 800),
    };
    const lanes = scale(16, 6);
    const r = await runOutage({ mode, ...phases, lanes, failFast });
    const lost =
      r.failures.length +
      Object.entries(r.statuses)
        .filter(([st]) => Number(st) >= 500 && st !== '503')
        .reduce((n, [, c]) => n + c, 0);
    const held =
      lost === 0 &&
      Object.keys(r.statuses).every((st) => st === '200' || (mode === 'deny' && st === '503')) &&
      // As in the test: beyond the time the machine did not run the server at all (its event loop ran late).
      r.maxServerMs <= STORE_TIMEOUT_MS + MARGIN_MS + r.maxLoopDelayMs &&
      r.warnings > 0 &&
      (r.firstWarning ?? '').includes(`failure mode '${mode}'`) &&
      r.backAfterRestartMs !== null &&
      r.backAfterRestartMs <= 2_000 &&
      r.backAfterPauseMs !== null &&
      r.backAfterPauseMs <= 2_000 &&
      r.inRedis.points === r.charged.points &&
      r.inRedis.calls === r.charged.calls;
    rows.push({
      proof: `Redis killed ${s(phases.downMs)}, restarted, paused ${s(phases.pauseMs)}: '${mode}'${failFast ? ', fail-fast client' : ''}`,
      load: `${lanes} clients, ${fmt(r.requests)} requests (${fmt(r.duringFault)} during faults)`,
      held,
      figures:
        `statuses ${JSON.stringify(r.statuses)}; max ${fmt(r.maxServerMs)} ms in the server, ${fmt(r.maxMs)} ms ` +
        `at the client (timeout ${STORE_TIMEOUT_MS}, server's event loop late by up to ${fmt(r.maxLoopDelayMs)} ms); ` +
        `back on Redis ${fmt(r.backAfterRestartMs ?? NaN)} / ${fmt(r.backAfterPauseMs ?? NaN)} ms after restart / pause; ` +
        `Redis holds ${fmt(r.inRedis.points)} pts in ${fmt(r.inRedis.calls)} calls = charged ${fmt(r.charged.points)} in ${fmt(r.charged.calls)}`,
      lost,
    });
    console.log(`  ${rows.at(-1)!.held ? 'held' : 'FAILED'}: ${rows.at(-1)!.proof}`);
  }

  // Load: several processes on one Redis, one API key, past its quota.
  {
    const quota = scale(1_000_000, 30_000);
    const r = await runHammer({ servers: 3, lanes: scale(96, 24), durationMs: scale(60_000, 3_000), quota });
    const lost =
      r.failures.length +
      Object.entries(r.statuses)
        // 503: a decision Redis could not make within the (1 s) store timeout, refused by 'deny': counted.
        .filter(([st]) => st !== '200' && st !== '429' && st !== '503')
        .reduce((n, [, c]) => n + c, 0);
    rows.push({
      proof: "one API key hammered through 3 server processes on one Redis ('deny')",
      load: `${r.lanes} clients, ${fmt(r.requests)} requests, ${fmt(r.requestsPerSecond)} req/s, p99 ${fmt(r.p99Ms)} ms`,
      held: lost === 0 && r.admittedPoints === quota && r.inRedis === quota && r.refundedPoints > 0,
      figures:
        `quota ${fmt(quota)} pts spent after ${s(r.exhaustedAtMs ?? NaN)}; admitted ${fmt(r.admittedPoints)} pts ` +
        `(${fmt(r.refundedPoints)} refunded on the way), Redis ${fmt(r.inRedis)}: overspend ${fmt(r.admittedPoints - quota)}, ` +
        `lost refunds ${fmt(r.inRedis - r.admittedPoints)}; statuses ${JSON.stringify(r.statuses)}`,
      lost,
    });
    console.log(`  ${rows.at(-1)!.held ? 'held' : 'FAILED'}: ${rows.at(-1)!.proof}`);
  }

  // Load: 10,000+ distinct API keys on the in-memory store, for minutes.
  {
    const maxClients = 10_000;
    const r = await runManyClients({
      clients: 12_000,
      maxClients,
      durationMs: scale(180_000, 6_000),
      lanes: scale(32, 16),
      sampleMs: scale(5_000, 1_000),
    });
    const third = Math.max(1, Math.floor(r.samples.length / 3));
    const p99 = (xs: typeof r.samples) => Math.max(...xs.map((x) => x.p99Ms));
    const lost = r.errors.length;
    rows.push({
      proof: '12,000 distinct API keys on one server, MemoryStore bounded at 10,000',
      load: `${fmt(r.requests)} requests over ${s(r.elapsedMs)}, ${fmt(r.requestsPerSecond)} req/s`,
      held: lost === 0 && r.maxStoreSize <= maxClients && r.heapAtEndMB - r.heapAfterWarmupMB < 32,
      figures:
        `store at most ${fmt(r.maxStoreSize)} clients; heap after GC ${fmt(r.heapAfterWarmupMB, 1)} MB at a third, ` +
        `${fmt(r.heapAtEndMB, 1)} MB at the end; worst per-${s(scale(5_000, 1_000))} p99 ${fmt(p99(r.samples.slice(0, third)))} ms in the first third, ` +
        `${fmt(p99(r.samples.slice(-third)))} ms in the last; statuses ${JSON.stringify(r.statuses)}`,
      lost,
    });
    console.log(`  ${rows.at(-1)!.held ? 'held' : 'FAILED'}: ${rows.at(-1)!.proof}`);
  }

  // Memory: a million client keys through one MemoryStore.
  for (const maxClients of [1_000_000, 100_000]) {
    const clients = scale(1_000_000, 200_000);
    const r = await runClientMemory({ clients, maxClients });
    rows.push({
      proof: `${fmt(clients)} client keys through a MemoryStore bounded at ${fmt(maxClients)}`,
      load: `${fmt(r.decisionsPerSecond)} decisions/s (3-limit plan)`,
      held: r.refused === 0 && r.size === Math.min(clients, maxClients),
      figures: `${fmt(r.size)} tracked, heap ${fmt(r.heapBeforeMB, 1)} -> ${fmt(r.heapAfterMB, 1)} MB: ${fmt(r.bytesPerClient)} bytes per tracked client`,
      lost: 0,
    });
    console.log(`  ${rows.at(-1)!.held ? 'held' : 'FAILED'}: ${rows.at(-1)!.proof}`);
  }

  // Hostile input: the corpus, then generated operations.
  for (const [name, cases, lanes] of [
    ['hostile corpus', hostileCorpus(), 1],
    ['generated operations (fast-check, seed 20261123)', generatedCorpus(scale(10_000, 400), 20_261_123), 4],
  ] as const) {
    const r = await runHostile({ cases, lanes, boundMs: HOSTILE_BOUND_MS });
    const lost = r.findings.filter((f) => f.status === 0 || f.status >= 500).length;
    rows.push({
      proof: `${name}: 200/400/429 with a clear error, within ${fmt(HOSTILE_BOUND_MS)} ms`,
      load: `${fmt(r.documents)} documents, ${lanes} at a time`,
      held: r.findings.length === 0,
      figures:
        `statuses ${JSON.stringify(r.statuses)}; max ${fmt(r.maxMs)} ms (${r.slowest[0]?.name ?? ''}), p99 ${fmt(r.p99Ms)} ms` +
        (r.findings.length > 0 ? `; findings: ${JSON.stringify(r.findings.slice(0, 3))}` : ''),
      lost,
    });
    console.log(`  ${rows.at(-1)!.held ? 'held' : 'FAILED'}: ${rows.at(-1)!.proof}`);
  }

  console.log('');
  printTable(rows);
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  const held = rows.every((r) => r.held);
  console.log(
    `\n${rows.filter((r) => r.held).length} of ${rows.length} proofs held; requests lost: ${lost}; ` +
      `${fmt((performance.now() - started) / 60_000, 1)} min.`,
  );
  return held && lost === 0;
}

/** Entry point of scripts/proof.ts. */
export async function main(args: readonly string[]): Promise<void> {
  try {
    process.exitCode = (await runProof(args)) ? 0 : 1;
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await stopServerProcesses();
  }
}
