/**
 * A million distinct client keys (or any number) pushed through one MemoryStore: how much heap a tracked
 * client costs, and that the store stays at its bound however many clients pass. Runs in a child process of
 * its own (`node --expose-gc`), so the heap it measures holds nothing else that grows:
 * `runClientMemory(options)` forks this file and reads its one line of JSON.
 */
import { fork } from 'node:child_process';
import type { Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';

export interface ClientMemoryOptions {
  /** Distinct client keys pushed through, one decision each. */
  readonly clients: number;
  /** The store's bound. */
  readonly maxClients: number;
}

export interface ClientMemoryReport {
  readonly clients: number;
  readonly maxClients: number;
  /** Clients the store tracks at the end. */
  readonly size: number;
  /** Heap after a full GC: before the store existed, and after every client passed, MB. */
  readonly heapBeforeMB: number;
  readonly heapAfterMB: number;
  /** (after − before) / size. */
  readonly bytesPerClient: number;
  readonly decisionsPerSecond: number;
  /** Decisions that were not admitted (there should be none: each client decides once). */
  readonly refused: number;
}

/** The demo's `free` plan shape: the state of three limits per client. */
const PLAN: Plan = {
  name: 'per-client',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 1_000, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 5, burst: 10 },
    { name: 'inflight', kind: 'concurrency', max: 4 },
  ],
};
const MB = 1024 * 1024;

/** Measures in this process; needs `--expose-gc`. */
export function measureClientMemory(options: ClientMemoryOptions): ClientMemoryReport {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('measureClientMemory needs node --expose-gc');
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new MemoryStore({ maxClients: options.maxClients });
  let refused = 0;
  const started = performance.now();
  for (let i = 0; i < options.clients; i++) {
    const decision = store.decideNow({ client: `client-${i}`, plan: PLAN, cost: 7, operation: 'query' });
    if (!decision.allowed) refused += 1;
  }
  const elapsedMs = performance.now() - started;
  gc();
  const after = process.memoryUsage().heapUsed;
  return {
    clients: options.clients,
    maxClients: options.maxClients,
    size: store.size,
    heapBeforeMB: before / MB,
    heapAfterMB: after / MB,
    bytesPerClient: (after - before) / store.size,
    decisionsPerSecond: (options.clients * 1000) / elapsedMs,
    refused,
  };
}

/** Measures in a child process of its own; resolves with its report. */
export function runClientMemory(options: ClientMemoryOptions): Promise<ClientMemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`client memory measure exited with ${code}`));
      else resolve(JSON.parse(out) as ClientMemoryReport);
    });
  });
}

if (require.main === module) {
  const options = JSON.parse(process.argv[2] ?? '{}') as ClientMemoryOptions;
  process.stdout.write(JSON.stringify(measureClientMemory(options)));
}
