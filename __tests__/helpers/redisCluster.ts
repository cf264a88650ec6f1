/**
 * A real three-master Redis Cluster for the tests: REDIS_CLUSTER_NODES (`host:port,host:port,...`, as
 * `.ci/run` exports it), else a private one started by scripts/redis-cluster.sh on free ports in a temporary
 * directory and stopped after the block. Keys are under a prefix of the block's own and only those are
 * deleted; no server is ever flushed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { deleteKeys, inTest, uniquePrefix } from './redis.js';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface TestRedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** `host:port,host:port,host:port`, the REDIS_CLUSTER_NODES format. */
  readonly spec: string;
  /** True when this process started the cluster (and `stop` shuts it down). */
  readonly private: boolean;
  readonly stop: () => Promise<void>;
}

const SCRIPT = join(__dirname, '../../scripts/redis-cluster.sh');

/** Parses `host:port,host:port`. */
export function parseNodes(spec: string): ClusterNode[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const at = s.lastIndexOf(':');
      return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
    });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Three ports P free with P + 10000 (the cluster bus) free too. */
async function freeClusterPorts(): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; attempt < 200 && ports.length < 3; attempt++) {
    const p = 20_000 + Math.floor(Math.random() * 25_000);
    if (ports.includes(p)) continue;
    if ((await portFree(p)) && (await portFree(p + 10_000))) ports.push(p);
  }
  if (ports.length < 3) throw new Error('no free ports for a private Redis Cluster');
  return ports;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(SCRIPT, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${SCRIPT} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/**
 * Finds or starts a cluster; call `stop` in `afterAll`. `own: true` always starts a private one (a test that
 * changes the cluster itself, such as moving a slot, never touches REDIS_CLUSTER_NODES).
 */
export async function startRedisCluster(options: { own?: boolean } = {}): Promise<TestRedisCluster> {
  const fromEnv = process.env['REDIS_CLUSTER_NODES'];
  if (options.own !== true && fromEnv !== undefined && fromEnv !== '') {
    return { nodes: parseNodes(fromEnv), spec: fromEnv, private: false, stop: () => Promise.resolve() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gq-cluster-'));
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync(SCRIPT, ['stop', dir], { stdio: 'ignore', timeout: 10_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // The servers are daemons: shut them down even if the test process ends without afterAll.
  process.once('exit', stopSync);
  let spec: string;
  try {
    spec = await run(['start', dir, ...(await freeClusterPorts()).map(String)]);
  } catch (error) {
    stopSync();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\nThe cluster tests need redis-server and redis-cli on the PATH (apt-get install redis-server), or REDIS_CLUSTER_NODES.`,
    );
  }
  return {
    nodes: parseNodes(spec),
    spec,
    private: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopSync);
      await run(['stop', dir]).finally(() => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

export function ioredisCluster(nodes: readonly ClusterNode[]): Cluster {
  return new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: { maxRetriesPerRequest: 1 },
    },
  );
}

export type NodeRedisCluster = Awaited<ReturnType<typeof nodeRedisCluster>>;

export async function nodeRedisCluster(nodes: readonly ClusterNode[]) {
  const cluster = createCluster({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  cluster.on('error', () => undefined);
  await cluster.connect();
  return cluster;
}

/** Deletes every key under `prefix` on every master (never KEYS, never FLUSH). */
export async function deleteClusterKeys(cluster: Cluster, prefix: string): Promise<number> {
  let deleted = 0;
  for (const node of cluster.nodes('master')) deleted += await deleteKeys(node, prefix);
  return deleted;
}

/** The test cluster as seen by one test file or `describe` block; read its fields inside tests and hooks. */
export interface SharedTestCluster {
  readonly cluster: TestRedisCluster;
  readonly io: Cluster;
  /** A node-redis `createCluster()` client, connected. */
  readonly node: NodeRedisCluster;
  /** A key prefix of this block's own; every key under it is deleted after the block. */
  readonly prefix: string;
}

/** Registers `beforeAll`/`afterAll`: find or start the cluster, connect ioredis; clean up after. */
export function useTestRedisCluster(name: string): SharedTestCluster {
  const prefix = uniquePrefix(name);
  let cluster: TestRedisCluster | undefined;
  let io: Cluster | undefined;
  let node: NodeRedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    io = ioredisCluster(cluster.nodes);
    node = await nodeRedisCluster(cluster.nodes);
  });
  afterAll(async () => {
    // Clients first: a client whose servers are gone keeps reconnecting.
    await node?.quit();
    if (io !== undefined) {
      if (cluster?.private !== true) await deleteClusterKeys(io, prefix);
      io.disconnect();
    }
    await cluster?.stop();
  });
  const ready = inTest('useTestRedisCluster');
  return {
    prefix,
    get cluster() {
      return ready(cluster);
    },
    get io() {
      return ready(io);
    },
    get node() {
      return ready(node);
    },
  };
}
