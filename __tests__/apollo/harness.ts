import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { quotaPlugin, type QuotaPlugin } from '../../src/apollo/index.js';
import type { QuotaOptions } from '../../src/lifecycle/index.js';
import { COST_DIRECTIVES_SDL } from '../../src/cost/index.js';
import type { Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';

/** 2026-01-01T00:10:20.500Z: 49 min 39.5 s before the hourly window resets. */
export const T0 = Date.UTC(2026, 0, 1, 0, 10, 20, 500);
/** The hourly window's reset, Unix seconds. */
export const HOUR_RESET_S = Date.UTC(2026, 0, 1, 1) / 1000;

/** A clock that moves only when told to. */
export class TestClock {
  constructor(public nowMs: number = T0) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/**
 * Costs under the analyzer's defaults (objects 1, scalars 0, queries 0 base, mutations 10 base):
 * - `{ products(first: n) { id } }` = n (n Product objects);
 * - `{ products(first: n) { id price } }` = 3n (price: @cost(weight: 2));
 * - `{ product(id: "p1") { id } }` = 1;
 * - `mutation { touch }` = 10 + 5 = 15.
 */
export const TEST_SDL = `${COST_DIRECTIVES_SDL}
type Query {
  products(first: Int = 10): [Product!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
  product(id: ID!): Product
  "Resolves when the test calls gate.open()."
  gated: Int
  "Always throws."
  boom: Int
}
type Product {
  id: ID!
  price: Int @cost(weight: 2)
}
type Mutation {
  touch: Boolean @cost(weight: 5)
}
`;

/** A resolver that waits for the test, to hold an operation in flight. */
export class Gate {
  #open!: () => void;
  #enter!: () => void;
  readonly opened = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  /** Resolves when a resolver is waiting at the gate. */
  readonly reached = new Promise<void>((resolve) => {
    this.#enter = resolve;
  });
  enter(): void {
    this.#enter();
  }
  open(): void {
    this.#open();
  }
}

export interface TestData {
  /** Products the `products` resolver returns, whatever `first` asks for (fewer means a refund). */
  productCount: number;
  gate: Gate;
}

export function testSchema(): { schema: GraphQLSchema; data: TestData } {
  const data: TestData = { productCount: 100, gate: new Gate() };
  const schema = buildSchema(TEST_SDL);
  const query = schema.getQueryType()!.getFields();
  query.products!.resolve = (_: unknown, args: { first: number }) =>
    Array.from({ length: Math.min(args.first, data.productCount) }, (_v, i) => ({
      id: `p${i + 1}`,
      price: 10 * (i + 1),
    }));
  query.product!.resolve = (_: unknown, args: { id: string }) => ({ id: args.id, price: 5 });
  query.gated!.resolve = async () => {
    data.gate.enter();
    await data.gate.opened;
    return 1;
  };
  query.boom!.resolve = () => {
    throw new Error('resolver failed');
  };
  schema.getMutationType()!.getFields().touch!.resolve = () => true;
  return { schema, data };
}

export const FREE: Plan = {
  name: 'free',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 }],
};
export const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 20, windowMs: 3_600_000 }],
};

export interface Harness<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  quota: QuotaPlugin<TContext>;
  store: MemoryStore;
  clock: TestClock;
  data: TestData;
}

export interface TestContext extends BaseContext {
  quotaClient?: string;
}

/** A started server with the plugin on a MemoryStore and a test clock; stop it in `finally`. */
export async function startHarness(
  options: Partial<QuotaOptions<TestContext>> = {},
  serverOptions: {
    allowBatchedHttpRequests?: boolean;
    plugins?: ApolloServerPlugin<TestContext>[];
    schema?: GraphQLSchema;
  } = {},
): Promise<Harness<TestContext>> {
  const clock = new TestClock();
  const store = new MemoryStore({ clock: clock.now });
  const { schema, data } = testSchema();
  const quota = quotaPlugin<TestContext>({
    store,
    clock: clock.now,
    plans: [FREE, ANONYMOUS],
    partitionKeySecret: false,
    ...options,
  });
  const server = new ApolloServer<TestContext>({
    schema: serverOptions.schema ?? schema,
    plugins: [quota, ...(serverOptions.plugins ?? [])],
    allowBatchedHttpRequests: serverOptions.allowBatchedHttpRequests ?? false,
    logger: silentLogger(),
  });
  await server.start();
  return { server, quota, store, clock, data };
}

export function silentLogger() {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), lines };
}

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  // JSON of any shape: tests read into it and assert exact values.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs a GraphQL request (or a batch) through Apollo's HTTP handling, without a port. */
export async function post(
  server: ApolloServer<TestContext>,
  body: unknown,
  { headers = {}, context = {} }: { headers?: Record<string, string>; context?: TestContext } = {},
): Promise<TestResponse> {
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: 'POST',
      headers: new HeaderMap([['content-type', 'application/json'], ...Object.entries(headers)]),
      search: '',
      body,
    },
    context: () => Promise.resolve({ ...context }),
  });
  if (response.body.kind !== 'complete') throw new Error('unexpected chunked response');
  return {
    status: response.status ?? 200,
    headers: Object.fromEntries(response.headers),
    body: JSON.parse(response.body.string),
  };
}

/** The quota headers of a response, without content-type and friends. */
export function quotaHeadersOf(response: TestResponse): Record<string, string> {
  return Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => /^(x-rate-limit-|ratelimit|retry-after)/.test(name)),
  );
}
