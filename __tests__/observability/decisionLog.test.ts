import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  DECISION_LOG_MESSAGE,
  REDACTED,
  decisionLog,
  redactQuery,
  type DecisionLogRecord,
} from '../../src/observability/index.js';
import { FREE, PRO, Script, T0, scriptedSequence } from './events.js';

function capture() {
  const records: { record: DecisionLogRecord; message: string }[] = [];
  return {
    records,
    logger: { info: (record: DecisionLogRecord, message: string) => records.push({ record, message }) },
  };
}

const QUERY = 'query Find($email: String!) { user(email: $email, note: "call me at 555-0100") { id } }';

describe('decision log', () => {
  it('writes one record per operation, field by field, through a real pino logger', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const script = new Script(decisionLog({ logger: pino({ base: null }, stream) }));
    await scriptedSequence(script);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(5);
    for (const r of records) {
      expect(r['msg']).toBe(DECISION_LOG_MESSAGE);
      expect(r['level']).toBe(30);
      expect(typeof r['time']).toBe('number');
    }
    const decidedAt = new Date(T0).toISOString();
    const strip = (r: Record<string, unknown>) => {
      const { level: _l, time: _t, msg: _m, ...rest } = r;
      return rest;
    };
    // Every field of every record; what differs from the first record is spelled out per record.
    const alice = {
      decidedAt,
      client: 'alice',
      anonymous: false,
      plan: 'free',
      operationName: 'Op',
      operationType: 'query',
      documentHash: null,
      result: 'allowed',
      code: null,
      status: 200,
      durationMs: 12,
      source: 'store',
      refusedBy: null,
    };
    const bob = { ...alice, client: 'bob', plan: 'pro' };
    expect(records.map(strip)).toEqual([
      { ...alice, estimatedCost: 40, actualCost: 10 },
      { ...alice, operationName: 'Save', operationType: 'mutation', estimatedCost: 70, actualCost: 70 },
      {
        ...alice,
        estimatedCost: 30,
        actualCost: null,
        result: 'refused',
        code: 'QUOTA_EXCEEDED',
        status: 429,
        refusedBy: 'hourly',
      },
      { ...bob, estimatedCost: 3, actualCost: 3, source: 'fallback' },
      {
        ...bob,
        operationName: 'Huge',
        estimatedCost: 9_000,
        actualCost: null,
        result: 'refused',
        code: 'COST_LIMIT_EXCEEDED',
        status: 400,
        durationMs: 1,
        source: 'none',
      },
    ]);
    expect(Object.keys(strip(records[0]!)).sort()).toEqual(
      [...Object.keys(alice), 'estimatedCost', 'actualCost'].sort(),
    );
  });

  it('never writes the query text nor the variables by default; hashes the text', async () => {
    const { records, logger } = capture();
    const script = new Script(decisionLog({ logger }));
    await script.run({
      client: 'a',
      plan: PRO,
      cost: 1,
      query: QUERY,
      variables: { email: 'jane@example.com' },
    });
    const { record, message } = records[0]!;
    expect(message).toBe(DECISION_LOG_MESSAGE);
    expect(record.documentHash).toBe(createHash('sha256').update(QUERY).digest('hex'));
    expect(record).not.toHaveProperty('query');
    expect(record).not.toHaveProperty('variables');
    const json = JSON.stringify(record);
    expect(json).not.toContain('jane@example.com');
    expect(json).not.toContain('555-0100');
    expect(json).not.toContain('email');
  });

  it('prefers the hash the server computed', async () => {
    const { records, logger } = capture();
    const observer = decisionLog({ logger });
    const script = new Script(observer);
    const event = await script.run({ client: 'a', plan: PRO, cost: 1, query: QUERY });
    observer.settled!({ ...event, documentHash: 'abc123' });
    expect(records[1]!.record.documentHash).toBe('abc123');
  });

  it('opt-in query text: string literals and every variable value redacted', async () => {
    const { records, logger } = capture();
    const script = new Script(decisionLog({ logger, includeQuery: true }));
    await script.run({
      client: 'a',
      plan: PRO,
      cost: 1,
      query: QUERY,
      variables: { email: 'jane@example.com' },
    });
    const { record } = records[0]!;
    expect(record.query).toBe(
      `query Find($email: String!) {\n  user(email: $email, note: "${REDACTED}") {\n    id\n  }\n}`,
    );
    expect(record.variables).toEqual({ email: REDACTED });
    expect(JSON.stringify(record)).not.toMatch(/jane@example\.com|555-0100/);
    // Unparseable text is not written at all.
    expect(redactQuery('{ user(note: "secret"')).toBeNull();
  });

  it('samples allowed operations; refusals and 5xx are always written', async () => {
    const { records, logger } = capture();
    const draws = [0.05, 0.5, 0.09, 0.95];
    const script = new Script(decisionLog({ logger, sampleRate: 0.1, random: () => draws.shift() ?? 0.99 }));
    for (let i = 0; i < 4; i++) await script.run({ client: 'a', plan: PRO, cost: 1, name: `Op${i}` });
    expect(records.map((r) => r.record.operationName)).toEqual(['Op0', 'Op2']);
    expect(draws).toEqual([]);
    // No draw is spent on operations that are always written.
    const refused = await script.run({ client: 'b', plan: FREE, cost: 500 });
    expect(refused.result).toBe('refused');
    const failed = await script.run({ client: 'c', plan: PRO, cost: 1, name: 'Failed' });
    failed.status = 502;
    (script.observer.settled as (e: typeof failed) => void)(failed);
    expect(records.map((r) => r.record.operationName)).toEqual(['Op0', 'Op2', 'Op', 'Failed']);
  });

  it('rejects malformed options', () => {
    expect(() => decisionLog({} as never)).toThrow(expect.objectContaining({ code: 'QUOTA_INVALID_OPTION' }));
    expect(() => decisionLog({ logger: { info() {} }, sampleRate: 1.5 })).toThrow(
      /sampleRate must be a number in \[0, 1\]/,
    );
    expect(() => decisionLog({ logger: { info() {} }, includeQuery: 'yes' as never })).toThrow(
      /includeQuery/,
    );
  });
});
