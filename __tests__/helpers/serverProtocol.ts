/** The IPC messages between serverProcess.ts (the parent) and serverWorker.ts (a server in a child process). */
import type { DecisionRecord } from './serverApp.js';

export type WorkerRequest = { readonly id: number } & (
  | {
      readonly type: 'stats';
      /** Include every recorded decision. */
      readonly decisions?: boolean;
      /** Collect garbage first (the worker runs with --expose-gc). */
      readonly gc?: boolean;
    }
  /** Moves the worker's manual quota clock forward. */
  | { readonly type: 'advance'; readonly ms: number }
  /** Lets held operations finish (all when `count` is absent); answers how many were released. */
  | { readonly type: 'release'; readonly count?: number }
  /** Resolves once `count` operations in all have reached the `hold` resolver. */
  | { readonly type: 'arrived'; readonly count: number }
  | { readonly type: 'stop' }
);

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** What a worker reports about itself. */
export interface WorkerStats {
  readonly pid: number;
  /** The worker's `Date.now()` (skewed when its config says so). */
  readonly nowMs: number;
  /** `process.cpuUsage()`: microseconds of user and system CPU since the process started. */
  readonly cpu: NodeJS.CpuUsage;
  readonly memory: NodeJS.MemoryUsage;
  /** Decisions taken (every one, even when the recorded list was trimmed); 0 unless `recordDecisions`. */
  readonly decided: number;
  /** Decisions by `Decision.source`. */
  readonly bySource: Readonly<Record<string, number>>;
  /** The plugin's warnings and errors (store failures are warnings), with the first lines verbatim. */
  readonly logs: { readonly warn: number; readonly error: number; readonly lines: readonly string[] };
  /** Clients the MemoryStore tracks; null for another store. */
  readonly storeSize: number | null;
  /** Operations waiting in the `hold` resolver. */
  readonly holding: number;
  /** The longest the worker's event loop ran late since it started, ms (`monitorEventLoopDelay`). */
  readonly loopDelayMaxMs: number;
  readonly decisions: readonly DecisionRecord[] | null;
  /** With `decisions`: the server time of each request, ms (see `AppRuntime.onServed`). */
  readonly served: readonly { readonly operationName: string | null; readonly ms: number }[] | null;
}
