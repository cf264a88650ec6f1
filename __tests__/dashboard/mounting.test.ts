/**
 * The same handler mounted in Express (app.use, at the root and under a mount path) and in Fastify (a hijacked
 * reply), answering the same page, partner view and 403 as in the standalone server.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { createQuotaLifecycle, identifyByApiKey } from '../../src/lifecycle/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { MemoryUsageHistory } from '../../src/history/index.js';
import {
  createDashboardHandler,
  type DashboardHandler,
  type PartnerView,
} from '../../src/dashboard/index.js';

const lifecycle = createQuotaLifecycle({
  store: new MemoryStore(),
  plans: [
    { name: 'basic', limits: [{ name: 'hourly', kind: 'fixed-window', limit: 500, windowMs: 3_600_000 }] },
    { name: 'anonymous', limits: [{ name: 'hourly', kind: 'fixed-window', limit: 5, windowMs: 3_600_000 }] },
  ],
  identify: identifyByApiKey({ 'key-a': 'client-a', 'key-b': 'client-b' }),
});
const history = new MemoryUsageHistory();

async function check(base: string): Promise<void> {
  const page = await fetch(`${base}/dashboard`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await page.text()).toContain('<script src="/dashboard/assets/app.js">');
  expect((await fetch(`${base}/dashboard/assets/uplot.css`)).status).toBe(200);
  const own = await fetch(`${base}/dashboard/api/partner?hours=1`, { headers: { 'x-api-key': 'key-a' } });
  expect(own.status).toBe(200);
  const view = (await own.json()) as PartnerView;
  expect(view.client).toEqual({ id: 'client-a', plan: 'basic' });
  expect(view.limits.map((l) => [l.name, l.remaining])).toEqual([['hourly', 500]]);
  const other = await fetch(`${base}/dashboard/api/partner?client=client-b`, {
    headers: { 'x-api-key': 'key-a' },
  });
  expect(other.status).toBe(403);
  // Anything else is the host server's.
  expect(await (await fetch(`${base}/other`)).text()).toBe('host');
}

describe('mounting the dashboard handler', () => {
  const handler: DashboardHandler = createDashboardHandler({ quota: lifecycle, history });

  it('in Express, with app.use at the root and under its mount path', async () => {
    for (const mount of ['root', 'path'] as const) {
      const app = express();
      if (mount === 'root') app.use(handler);
      else app.use('/dashboard', handler);
      app.get('/other', (_req, res) => {
        res.send('host');
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      try {
        await check(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });

  it('in Fastify, through a hijacked reply', async () => {
    const app = Fastify();
    const mount = (
      request: { raw: Parameters<DashboardHandler>[0] },
      reply: { hijack(): void; raw: Parameters<DashboardHandler>[1] },
    ) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    };
    app.all('/dashboard', mount);
    app.all('/dashboard/*', mount);
    app.get('/other', () => Promise.resolve('host'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await check(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    } finally {
      await app.close();
    }
  });
});
