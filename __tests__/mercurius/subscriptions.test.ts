/**
 * Mercurius subscriptions over its WebSocket (`subscription: true`), driven by a real WebSocket client
 * (`ws`, protocol graphql-transport-ws): charged when they start, the concurrency slot held until they end
 * however they end, and quota refusals sent as the subscription's `error` message.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { buildSchema } from 'graphql';
import mercurius from 'mercurius';
import WebSocket from 'ws';
import type { Plan } from '../../src/index.js';
import { COST_DIRECTIVES_SDL } from '../../src/cost/index.js';
import { mercuriusQuota } from '../../src/mercurius/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { CountingStore } from '../helpers/stores.js';
import { gql, type GqlResponse } from '../helpers/serverClient.js';
import { HOUR, T0 } from '../helpers/seedPlans.js';
import { ManualClock } from '../helpers/serverApp.js';

/** `feed(first: n)` costs 10 n; it sends the rows, waits for the test's `release`, then ends (or fails). */
const SDL = `${COST_DIRECTIVES_SDL}
type Query { ping: Int }
type Row @cost(weight: 10) { id: ID! }
type Subscription {
  feed(first: Int!, fail: Boolean = false): [Row!]! @listSize(slicingArguments: ["first"])
}
`;
const FREE: Plan = {
  name: 'free',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: HOUR },
    { name: 'inflight', kind: 'concurrency', max: 1 },
  ],
};
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1, windowMs: HOUR }],
};
const FEED = 'subscription Feed($n: Int!, $fail: Boolean) { feed(first: $n, fail: $fail) { id } }';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Server {
  readonly url: string;
  readonly store: CountingStore;
  /** Lets every waiting feed go on. */
  release(): void;
  /** Resolves once `count` feeds in all have sent their first event. */
  started(count: number): Promise<void>;
  readonly app: FastifyInstance;
}

async function startServer(): Promise<Server> {
  const clock = new ManualClock(T0);
  const store = new CountingStore(new MemoryStore({ clock: clock.now }));
  let gates: (() => void)[] = [];
  let started = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const schema = buildSchema(SDL);
  schema.getQueryType()!.getFields().ping!.resolve = () => 1;
  const feed = schema.getSubscriptionType()!.getFields().feed!;
  feed.subscribe = async function* (_: unknown, args: { first: number; fail: boolean }) {
    yield { feed: Array.from({ length: args.first }, (_v, i) => ({ id: `r${i + 1}` })) };
    started += 1;
    waiters = waiters.filter((w) => (started >= w.count ? (w.resolve(), false) : true));
    await new Promise<void>((resolve) => gates.push(resolve));
    if (args.fail) throw new Error('the feed failed');
  };
  feed.resolve = (event: { feed: unknown }) => event.feed;
  const clientOf = (authorization: string | undefined) => ({
    quotaClient: /^Bearer (\S+)$/.exec(authorization ?? '')?.[1],
  });
  const app = Fastify();
  await app.register(mercurius, {
    schema,
    path: '/',
    context: (request) => clientOf(request.headers.authorization),
    subscription: { context: (_socket, request) => clientOf(request.headers.authorization) },
  });
  await app.register(
    mercuriusQuota({
      store,
      plans: [FREE, ANONYMOUS],
      planFor: () => 'free',
      clock: clock.now,
      partitionKeySecret: false,
      logger: silent,
    }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    store,
    app,
    release() {
      const go = gates;
      gates = [];
      for (const g of go) g();
    },
    started: (count) =>
      started >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

type Message = { type: string; id?: string; payload?: unknown };

/** A graphql-transport-ws client: every message it receives, in order. */
class Client {
  readonly messages: Message[] = [];
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Message;
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    });
  }

  static async open(url: string, bearer: string): Promise<Client> {
    const socket = new WebSocket(url.replace('http', 'ws'), 'graphql-transport-ws', {
      headers: { authorization: `Bearer ${bearer}` },
    });
    const client = new Client(socket);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await client.next((m) => m.type === 'connection_ack');
    return client;
  }

  /** The first message (already received or to come) that matches. */
  next(match: (m: Message) => boolean): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  subscribe(id: string, variables: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: FEED, variables } }));
  }

  /** The types of the messages of subscription `id`. */
  of(id: string): string[] {
    return this.messages.filter((m) => m.id === id).map((m) => m.type);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** The quota headers an HTTP `{ ping }` of alice gets: consumed points, and whether her slot was free. */
function pingQuota(response: GqlResponse): [number, string | undefined, string | undefined] {
  return [response.status, response.headers['x-rate-limit-consumed'], response.headers['ratelimit']];
}
const slotFree = (consumed: number) => [
  200,
  `${consumed}`,
  `"hourly";r=${100 - consumed};t=2700, "inflight";r=0`,
];

describe('Mercurius subscriptions over the WebSocket', () => {
  let server: Server;
  let clients: Client[];
  beforeEach(async () => {
    server = await startServer();
    clients = [];
  });
  afterEach(async () => {
    server.release();
    await Promise.all(clients.map((c) => c.close()));
    await server.app.close();
  });
  const open = async (bearer = 'alice') => {
    const client = await Client.open(server.url, bearer);
    clients.push(client);
    return client;
  };
  const ping = async () => pingQuota(await gql(server.url, '{ ping }', { bearer: 'alice' }));

  it('charges the estimate at subscribe and holds the slot until the server completes the subscription', async () => {
    const client = await open();
    client.subscribe('1', { n: 3 });
    const first = await client.next((m) => m.id === '1' && m.type === 'next');
    expect(first.payload).toEqual({ data: { feed: [{ id: 'r1' }, { id: 'r2' }, { id: 'r3' }] } });
    await server.started(1);
    // Refused by the cap: the single-value headers describe it (1 slot of 1 taken); the points are in RateLimit.
    expect(await ping()).toEqual([429, '1', '"hourly";r=70;t=2700, "inflight";r=0']);
    server.release();
    await client.next((m) => m.id === '1' && m.type === 'complete');
    await server.store.settles(1);
    // A subscription's estimate stands (its events are not priced); the slot is free again.
    expect(server.store.settled[0]!.refund).toBe(0);
    expect(await ping()).toEqual(slotFree(30));
    expect(client.of('1')).toEqual(['next', 'complete']);
  });

  it('releases the slot when the client stops the subscription', async () => {
    const client = await open();
    client.subscribe('1', { n: 1 });
    await server.started(1);
    client.socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    await server.store.settles(1);
    expect(await ping()).toEqual(slotFree(10));
  });

  it('releases the slot when the client closes the connection', async () => {
    const client = await open();
    client.subscribe('1', { n: 1 });
    await server.started(1);
    await client.close();
    await server.store.settles(1);
    expect(await ping()).toEqual(slotFree(10));
  });

  it('releases the slot when the event stream fails', async () => {
    const client = await open();
    client.subscribe('1', { n: 1, fail: true });
    await server.started(1);
    server.release();
    await client.next((m) => m.id === '1' && m.type === 'error');
    await server.store.settles(1);
    expect(await ping()).toEqual(slotFree(10));
  });

  it('sends a refusal as the subscription error, with its code and quota, and charges nothing for it', async () => {
    const client = await open();
    client.subscribe('1', { n: 2 });
    await server.started(1);
    client.subscribe('2', { n: 1 });
    const busy = await client.next((m) => m.id === '2');
    expect(busy).toEqual({
      type: 'error',
      id: '2',
      payload: [
        {
          message:
            'Quota exceeded: this operation needs a free operation slot and limit "inflight" of plan "free" has 0 free slots of 1. Retry in 1 s.',
          locations: [{ line: 1, column: 47 }],
          path: ['feed'],
          extensions: {
            code: 'QUOTA_EXCEEDED',
            quota: { plan: 'free', limit: 'inflight', remaining: 0, retryAfterSeconds: 1 },
          },
        },
      ],
    });
    server.release();
    await client.next((m) => m.id === '1' && m.type === 'complete');
    await server.store.settles(1);
    client.subscribe('3', { n: 20 });
    const tooBig = await client.next((m) => m.id === '3');
    expect([tooBig.type, (tooBig.payload as { extensions: unknown }[])[0]!.extensions]).toEqual([
      'error',
      {
        code: 'QUOTA_CAPACITY_EXCEEDED',
        quota: { plan: 'free', limit: 'hourly', cost: 200, remaining: 80, retryAfterSeconds: null },
      },
    ]);
    expect(await ping()).toEqual(slotFree(20));
    expect(server.store.calls.settle).toBe(2);
  });
});
