/**
 * A child process running one server of serverApp.ts, for the proofs that need several processes, or a
 * process to kill. Started by serverProcess.ts (`node --import tsx serverWorker.ts '<ServerConfig JSON>'`);
 * answers its requests over IPC and exits when its parent goes away, so no server outlives a test run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryStore } from '../../src/store/index.js';
import type { QuotaLogger } from '../../src/quota/index.js';
import { startApp, type DecisionRecord, type ServerConfig } from './serverApp.js';
import type { WorkerReply, WorkerRequest, WorkerStats } from './serverProtocol.js';

/** Decisions kept for `stats({ decisions: true })`; older ones are dropped (the count stays exact). */
const MAX_DECISIONS = 500_000;
/** Log lines kept verbatim. */
const MAX_LOG_LINES = 50;

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
  if (config.skewMs !== undefined && config.skewMs !== 0) {
    // The whole process believes the wrong time, as on a host whose clock drifted.
    const realNow = Date.now.bind(Date);
    const skew = config.skewMs;
    Date.now = () => realNow() + skew;
  }
  let decisions: DecisionRecord[] = [];
  let decided = 0;
  const bySource: Record<string, number> = {};
  const logs = { warn: 0, error: 0, lines: [] as string[] };
  const log =
    (level: 'warn' | 'error' | null) =>
    (message: string): void => {
      if (level === null) return;
      logs[level] += 1;
      if (logs.lines.length < MAX_LOG_LINES) logs.lines.push(`${level}: ${message}`);
    };
  const logger: QuotaLogger = { debug: log(null), info: log(null), warn: log('warn'), error: log('error') };
  const onDecision = (record: DecisionRecord) => {
    decided += 1;
    bySource[record.source] = (bySource[record.source] ?? 0) + 1;
    if (decisions.length >= MAX_DECISIONS) decisions = decisions.slice(MAX_DECISIONS / 2);
    decisions.push(record);
  };
  let served: { operationName: string | null; ms: number }[] = [];
  const onServed = (operationName: string | null, ms: number) => {
    if (served.length >= MAX_DECISIONS) served = served.slice(MAX_DECISIONS / 2);
    served.push({ operationName, ms });
  };
  const app = await startApp(config, {
    logger,
    ...(config.recordDecisions === true ? { onDecision, onServed } : {}),
  });

  // How late this process's event loop ran: time a shared machine did not give it, which every request in
  // flight meanwhile waited too, whatever the server did.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const stats = (withDecisions: boolean): WorkerStats => ({
    pid: process.pid,
    nowMs: Date.now(),
    cpu: process.cpuUsage(),
    memory: process.memoryUsage(),
    decided,
    bySource: { ...bySource },
    logs: { warn: logs.warn, error: logs.error, lines: [...logs.lines] },
    storeSize: app.store instanceof MemoryStore ? app.store.size : null,
    holding: app.holds.waiting,
    loopDelayMaxMs: loopDelay.max / 1e6,
    decisions: withDecisions ? decisions : null,
    served: withDecisions ? served : null,
  });

  const answer = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.type) {
      case 'stats':
        if (request.gc === true) (globalThis as { gc?: () => void }).gc?.();
        return stats(request.decisions === true);
      case 'advance':
        if (app.clock === null) throw new Error('this server runs on real time (no clockStartMs)');
        app.clock.advance(request.ms);
        return app.clock.nowMs;
      case 'release':
        return app.holds.release(request.count ?? Infinity);
      case 'arrived':
        await app.holds.arrived(request.count);
        return app.holds.waiting;
      case 'stop':
        await app.stop();
        return null;
    }
  };

  process.on('message', (request: WorkerRequest) => {
    answer(request).then(
      (result) => process.send!({ id: request.id, ok: true, result } satisfies WorkerReply),
      (error: unknown) =>
        process.send!({ id: request.id, ok: false, error: String(error) } satisfies WorkerReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ id: 0, ok: true, result: { url: app.url } } satisfies WorkerReply);
}

main().catch((error: unknown) => {
  process.send?.({ id: 0, ok: false, error: String(error) } satisfies WorkerReply);
  process.exit(1);
});
