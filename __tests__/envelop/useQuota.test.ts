/**
 * What the conformance suite (every server over HTTP) does not reach: option validation, and a plugin that
 * runs without Yoga (Envelop alone), where no HTTP response exists and a refusal carries its status.
 */
import { envelop, useEngine, useSchema } from '@envelop/core';
import { execute, parse, subscribe, validate, specifiedRules } from 'graphql';
import { QuotaValidationError, type Plan } from '../../src/index.js';
import { useQuota } from '../../src/envelop/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { Holds, e2eSchema } from '../helpers/serverApp.js';

const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 30, windowMs: 3_600_000 }],
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('useQuota', () => {
  it('validates its options when it is created', () => {
    const create = () => useQuota({ store: new MemoryStore(), plans: [] });
    expect(create).toThrow(QuotaValidationError);
    expect(create).toThrow('plans must be a non-empty array');
  });

  it('runs on Envelop alone: charges, and a refusal carries its status and headers in extensions.http', async () => {
    const getEnveloped = envelop({
      plugins: [
        useEngine({ parse, validate, specifiedRules, execute, subscribe }),
        useSchema(e2eSchema(new Holds())),
        useQuota({ store: new MemoryStore(), plans: [ANONYMOUS], logger: silent, partitionKeySecret: false }),
      ],
    });
    const run = async (query: string): Promise<unknown> => {
      const { schema, contextFactory, execute: run } = getEnveloped({});
      return (await run({ schema, document: parse(query), contextValue: await contextFactory() })) as unknown;
    };
    expect(await run('{ rows(first: 2) { id } }')).toEqual({ data: { rows: [{ id: 'r1' }, { id: 'r2' }] } });
    const refused = (await run('{ rows(first: 2) { id } }')) as { errors: { extensions: unknown }[] };
    expect(refused.errors[0]!.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: { plan: 'anonymous', limit: 'hourly', cost: 20, remaining: 10 },
      http: { status: 429, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } },
    });
  });
});
