/**
 * The dashboard's figures: the assets' size gzipped; the usage history's memory per active client and its
 * cost per recorded operation; and the time Chromium takes to render a 7-day history at one-minute
 * resolution (the partner view, 10,080 points per series). `npm run bench -- dashboard`.
 */
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { dashboardAssets } from '../src/dashboard/index.js';
import { MemoryUsageHistory, MINUTE_MS, type UsageRecord } from '../src/history/index.js';
import { MemoryStore } from '../src/store/index.js';
import { startDemoServer } from '../demo/server.js';
import { launchChromium } from '../__tests__/helpers/browser.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 0, 8, 0, 0);

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One operation per minute for `days` days, five operation names, a refusal every 50th. */
function fill(history: MemoryUsageHistory, id: string, days: number): void {
  const minutes = (days * DAY_MS) / MINUTE_MS;
  for (let i = 0; i < minutes; i++) {
    const refused = i % 50 === 0;
    history.record({
      timeMs: NOW - days * DAY_MS + i * MINUTE_MS,
      client: { id, anonymous: false },
      plan: 'pro',
      operationName: `Operation${i % 5}`,
      pointsCharged: refused ? 0 : 10 + (i % 7),
      pointsRefunded: refused ? 0 : i % 3,
      actualCost: refused ? 0 : 10 + (i % 7) - (i % 3),
      refusalCode: refused ? 'QUOTA_EXCEEDED' : null,
    });
  }
}

function assetSizes(): void {
  const assets = dashboardAssets();
  let raw = 0;
  let gzipped = 0;
  console.log('asset          raw bytes   gzip bytes');
  for (const [name, a] of assets) {
    raw += a.body.length;
    gzipped += a.gzip.length;
    console.log(
      `${name.padEnd(14)} ${String(a.body.length).padStart(9)} ${String(a.gzip.length).padStart(12)}`,
    );
  }
  console.log(
    `${'total'.padEnd(14)} ${String(raw).padStart(9)} ${String(gzipped).padStart(12)}  (budget 102,400 gzipped)`,
  );
}

function bytesPerClient(label: string, days: number, clients: number): void {
  gc();
  const before = process.memoryUsage().heapUsed;
  const history = new MemoryUsageHistory({ clock: () => NOW, maxClients: clients });
  for (let c = 0; c < clients; c++) fill(history, `client-${c}`, days);
  gc();
  const after = process.memoryUsage().heapUsed;
  const perClient = (after - before) / clients;
  const minutes = (days * DAY_MS) / MINUTE_MS;
  console.log(
    `${label}: ${Math.round(perClient).toLocaleString('en-US')} bytes per client ` +
      `(${minutes.toLocaleString('en-US')} active minutes; ${(perClient / minutes).toFixed(0)} bytes per active minute; ${clients} clients)`,
  );
  // Keep the history alive until measured.
  if (history.retention.minuteRetentionMs === 0) console.log('');
}

function recordCost(): void {
  const history = new MemoryUsageHistory({ clock: () => NOW, maxClients: 1_000 });
  const records: UsageRecord[] = Array.from({ length: 1_000 }, (_, i) => ({
    timeMs: NOW - (i % 60) * MINUTE_MS,
    client: { id: `client-${i % 200}`, anonymous: false },
    plan: 'pro',
    operationName: `Operation${i % 8}`,
    pointsCharged: 12,
    pointsRefunded: 2,
    actualCost: 10,
    refusalCode: i % 20 === 0 ? 'QUOTA_EXCEEDED' : null,
  }));
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let n = 0; n < 200; n++) for (const r of records) history.record(r);
    rounds.push(((performance.now() - start) * 1e6) / (200 * records.length));
  }
  console.log(
    `history.record: ${median(rounds).toFixed(0)} ns per operation (median of 7 rounds of 200,000)`,
  );
}

async function renderSevenDays(): Promise<void> {
  const demo = await startDemoServer({
    port: 0,
    store: new MemoryStore({ clock: () => NOW }),
    clock: () => NOW,
    operatorToken: 'bench-operator-token-000000',
  });
  const browser = await launchChromium();
  try {
    fill(demo.history as MemoryUsageHistory, 'acme-pro', 7);
    const view = await fetch(`${demo.url}dashboard/api/partner?hours=168`, {
      headers: { 'x-api-key': 'demo-pro' },
    });
    const json = await view.text();
    console.log(
      `7-day partner view: ${json.length.toLocaleString('en-US')} bytes of JSON, ` +
        `${gzipSync(json).length.toLocaleString('en-US')} gzipped`,
    );
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${demo.url}dashboard?hours=168`);
      await page.fill('#api-key', 'demo-pro');
      const start = performance.now();
      await page.click('#partner-form button');
      await page.waitForFunction(() => document.querySelectorAll('.uplot canvas').length >= 3);
      // Two animation frames: the charts are painted.
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
      );
      times.push(performance.now() - start);
      await page.close();
    }
    console.log(
      `7-day history at 1-minute resolution, sign-in click to painted charts (fetch, JSON, 3 charts of 10,080 ` +
        `points): median ${median(times).toFixed(0)} ms, runs ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
  } finally {
    await browser.close();
    await demo.stop();
  }
}

async function main(): Promise<void> {
  assetSizes();
  bytesPerClient('one operation per minute for 7 days', 7, 20);
  bytesPerClient('one operation per minute for 1 hour', 1 / 24, 2_000);
  recordCost();
  await renderSevenDays();
}

declare const document: { querySelectorAll(selector: string): { length: number } };
declare function requestAnimationFrame(callback: () => void): number;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
