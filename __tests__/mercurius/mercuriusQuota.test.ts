/**
 * What the conformance suite (every server over HTTP) does not reach: Mercurius operations that come without
 * an HTTP reply, registration order, and option validation.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { QuotaValidationError, type Plan } from '../../src/index.js';
import { mercuriusQuota } from '../../src/mercurius/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { Holds, e2eSchema } from '../helpers/serverApp.js';

const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 30, windowMs: 3_600_000 }],
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('mercuriusQuota', () => {
  it('charges an operation that comes without an HTTP reply (app.graphql) to its client, and refuses over quota', async () => {
    const app = Fastify();
    try {
      await app.register(mercurius, { schema: e2eSchema(new Holds()) });
      await app.register(mercuriusQuota({ store: new MemoryStore(), plans: [ANONYMOUS], logger: silent }));
      await app.ready();
      const first = await app.graphql('{ rows(first: 2) { id } }');
      expect(first.data).toEqual({ rows: [{ id: 'r1' }, { id: 'r2' }] });
      await expect(app.graphql('{ rows(first: 2) { id } }')).rejects.toThrow(
        'Quota exceeded: this operation needs 20 points and limit "hourly" of plan "anonymous" has 10 points left.',
      );
    } finally {
      await app.close();
    }
  });

  it('says what to do when it is registered before Mercurius', async () => {
    const app = Fastify();
    try {
      await expect(
        app.register(mercuriusQuota({ store: new MemoryStore(), plans: [ANONYMOUS] })).ready(),
      ).rejects.toThrow('graphql-quota: register mercuriusQuota after mercurius, on the same Fastify app');
    } finally {
      await app.close();
    }
  });

  it('validates its options when it is created', () => {
    const create = () => mercuriusQuota({ store: new MemoryStore(), plans: [] });
    expect(create).toThrow(QuotaValidationError);
    expect(create).toThrow('plans must be a non-empty array');
  });
});
