/**
 * Load, the short version that runs in CI (`npm run proof` runs the same scenarios for minutes, with the
 * figures): several server processes on one Redis hammered on one API key; 10,000+ distinct API keys on the
 * in-memory store; hundreds of thousands of client keys through one MemoryStore. Correctness is asserted
 * exactly; speed is reported by the proof, not asserted here.
 */
import { runClientMemory } from '../../bench/load/clientMemory.js';
import { runHammer } from '../../bench/load/hammer.js';
import { runManyClients } from '../../bench/load/manyClients.js';
import { stopServerProcesses } from '../helpers/serverProcess.js';

afterAll(async () => {
  await stopServerProcesses();
});

// CI keeps the load moderate: the other test files, some timing their answers, share the two cores.
describe('three server processes on one Redis, 12 clients hammering one API key', () => {
  it('admit exactly the quota: zero overspend, zero lost refunds, no failed request', async () => {
    const report = await runHammer({ servers: 3, lanes: 12, durationMs: 2_000, quota: 30_000 });
    expect(report.failures).toEqual([]);
    // 503 only if Redis could not answer within the store timeout (1 s) on this shared machine: refused, not lost.
    expect(Object.keys(report.statuses).filter((s) => s !== '503')).toEqual(['200', '429']);
    expect(report.exhaustedAtMs).not.toBeNull();
    // Estimates held back points that came back after the responses: the refunds were exercised.
    expect(report.refundedPoints).toBeGreaterThan(0);
    expect(report.admittedPoints).toBe(30_000);
    expect(report.inRedis).toBe(30_000);
    expect(report.admittedPerServer.every((n) => n > 0)).toBe(true);
  });
});

describe('4,000 distinct API keys on the in-memory store bounded at 1,000 clients', () => {
  it('never tracks more than the bound, answers every request, and the heap levels off', async () => {
    const report = await runManyClients({
      clients: 4_000,
      maxClients: 1_000,
      durationMs: 6_000,
      lanes: 8,
      sampleMs: 1_000,
    });
    expect(report.errors).toEqual([]);
    expect(Object.keys(report.statuses).every((s) => s === '200' || s === '429')).toBe(true);
    expect(report.statuses[200]).toBeGreaterThan(0);
    // The store filled to its bound and stayed there while clients were evicted and came back.
    expect(report.maxStoreSize).toBe(1_000);
    // Generous: what matters is that the heap does not follow the number of keys (4,000).
    expect(report.heapAtEndMB - report.heapAfterWarmupMB).toBeLessThan(32);
    // A hang guard: 4,000 requests take minutes on a 2-core machine loaded several times over.
  }, 600_000);
});

describe('300,000 distinct client keys through one MemoryStore bounded at 50,000', () => {
  it('keeps exactly 50,000 and a heap that a tracked client costs a few hundred bytes of', async () => {
    const report = await runClientMemory({ clients: 300_000, maxClients: 50_000 });
    expect(report.refused).toBe(0);
    expect(report.size).toBe(50_000);
    expect(report.bytesPerClient).toBeGreaterThan(0);
    expect(report.bytesPerClient).toBeLessThan(1_024);
  });
});
