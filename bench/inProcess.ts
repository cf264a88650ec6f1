/**
 * The method the in-process server benchmarks share (plugin-inprocess.bench.ts, adapters-inprocess.bench.ts):
 * each variant is a server in a child process of its own (no JIT state shared between variants), driven one
 * request at a time through its in-process entry, without sockets or a load generator. A child warms up,
 * then measures `process.cpuUsage()` (user + system, every thread: GC and compiler included) over the
 * requests, and counts the garbage collections they caused (`PerformanceObserver`, 'gc'). The parent runs
 * the variants in rounds, the order rotating, and reports medians over rounds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';

/** One child's measure: server CPU per request (µs), and the GCs during its measured requests. */
export interface InProcessSample {
  readonly cpuUs: number;
  readonly minor: number;
  readonly major: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * In the child: `warmup` requests, then `requests` measured ones, each awaited before the next (`send`
 * throws on a wrong answer). With `profileFile`, a V8 CPU profile of the measured requests is written there
 * (sampled every 100 µs; the profiler's own cost is in that run's CPU figure).
 */
export async function measureRequests(
  send: () => Promise<void>,
  warmup: number,
  requests: number,
  profileFile?: string,
): Promise<InProcessSample> {
  for (let i = 0; i < warmup; i++) await send();
  let minor = 0;
  let major = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === 1) minor++;
      else major++;
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  const profiler = profileFile === undefined ? null : await startProfiler();
  if (process.env['BENCH_CALLGRIND'] !== undefined) await callgrindOn();
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) await send();
  const cpu = process.cpuUsage(start);
  // Under callgrind, what counts stops here: the instructions of the measured requests only.
  if (process.env['BENCH_CALLGRIND'] !== undefined) process.exit(0);
  if (profiler !== null) writeFileSync(profileFile!, JSON.stringify(await profiler()));
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  gcs.disconnect();
  return { cpuUs: (cpu.user + cpu.system) / requests, minor, major };
}

/**
 * Under `valgrind --tool=callgrind --instr-atstart=no` (BENCH_CALLGRIND set), turns instruction counting on
 * for the measured requests: instruction counts do not depend on what else the machine runs. Run the child
 * with `node --single-threaded` so that V8 compiles and collects on this thread, as it counts.
 */
async function callgrindOn(): Promise<void> {
  const control = spawn('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
  await new Promise((resolve) => control.on('exit', resolve));
  // Callgrind reads the command at its next check; a pause lets it.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Starts the V8 sampling profiler; the function it resolves to stops it and gives the profile. */
async function startProfiler(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/** In the parent: runs `file` as a child (`child ...args`) and reads the sample it prints last. */
export function runChild(file: string, args: readonly string[]): InProcessSample {
  const run = spawnSync(process.execPath, ['--import', 'tsx', file, 'child', ...args], {
    encoding: 'utf8',
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as InProcessSample;
}

/**
 * In the parent: `rounds` rounds of every variant (order rotating each round), `measure` giving one
 * variant's sample; the samples by variant, in the order of `variants`.
 */
export function alternate(
  variants: readonly string[],
  rounds: number,
  measure: (variant: string) => InProcessSample,
): Map<string, InProcessSample[]> {
  const samples = new Map(variants.map((v) => [v, [] as InProcessSample[]]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + round) % variants.length]!;
      samples.get(variant)!.push(measure(variant));
    }
  }
  return samples;
}

/** GCs per 1,000 requests, `minor / major`, medians over rounds. */
export function gcRate(samples: readonly InProcessSample[], requests: number): string {
  const per = requests / 1000;
  return (
    `${(median(samples.map((x) => x.minor)) / per).toFixed(1)} / ` +
    `${(median(samples.map((x) => x.major)) / per).toFixed(2)}`
  );
}

/**
 * A benchmark file's entry: run as `child <variant> <query>` it measures that variant (`child`), else it is
 * the parent (`main`).
 */
export function childOrMain(
  child: (variant: string, query: string) => Promise<void>,
  main: () => void,
): void {
  if (process.argv[2] !== 'child') return main();
  child(process.argv[3]!, process.argv[4]!).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
