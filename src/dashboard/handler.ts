import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { HOUR_MS, MINUTE_MS } from '../history/index.js';
import { resolveDashboardOptions, type DashboardConfig, type DashboardOptions } from './options.js';
import { APP_CSS, APP_JS, pageHtml } from './page.js';
import { UPLOT_CSS, UPLOT_JS } from './vendor/uplot.js';
import { operatorView, partnerView, type ViewRange } from './views.js';

/**
 * A Node HTTP handler: `(request, response, next?)`. Mount it in `http.createServer`, Express
 * (`app.use(handler)`), Fastify (`reply.hijack()` then `handler(request.raw, reply.raw)`) or any server that
 * hands out Node's request and response. A request outside `basePath` goes to `next` (404 without one).
 */
export type DashboardHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** The longest range a view covers: 7 days, in hours. */
export const MAX_DASHBOARD_HOURS = 168;
/** The longest kill-switch block the page orders: 7 days, in minutes. */
export const MAX_BLOCK_MINUTES = 10_080;
const MAX_BODY_BYTES = 4_096;

/** Security headers of every answer: nothing from elsewhere runs, nothing is framed, nothing is sniffed. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
}

function asset(type: string, text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { type, body, gzip: gzipSync(body, { level: 9 }) };
}

/** The page's assets, all shipped in the package: uPlot (vendored) and the dashboard's own script and style. */
export function dashboardAssets(): ReadonlyMap<string, Asset> {
  return new Map([
    ['uplot.js', asset('text/javascript; charset=utf-8', UPLOT_JS)],
    ['uplot.css', asset('text/css; charset=utf-8', UPLOT_CSS)],
    ['app.js', asset('text/javascript; charset=utf-8', APP_JS)],
    ['app.css', asset('text/css; charset=utf-8', APP_CSS)],
  ]);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The usage dashboard as a Node HTTP handler: at `basePath` the page; below it its assets and a JSON API.
 * - `GET api/partner?hours=N`: the caller's own view, authenticated as the API authenticates it (the API key
 *   header, through the lifecycle's `identify`): 401 when it is anonymous, 403 when `client=` names another.
 * - `GET api/operator?hours=N`: every client, with `Authorization: Bearer <operatorToken>` (401 otherwise).
 * - `POST api/kill-switch`: a JSON order `{ action: 'block'|'unblock', scope: 'client'|'everyone', client?,
 *   anonymous?, durationMinutes?, confirm }` with the operator token; `confirm` must repeat the client id
 *   (`'everyone'` for everyone). Cross-site requests are refused (403): an `Origin` other than the request's
 *   own host, or `Sec-Fetch-Site: cross-site`/`same-site`; only `application/json` bodies are read (415).
 * Throws a `QuotaValidationError` (`QUOTA_INVALID_OPTION`) on a malformed option.
 */
export function createDashboardHandler<TContext>(options: DashboardOptions<TContext>): DashboardHandler {
  const config = resolveDashboardOptions(options);
  const assets = dashboardAssets();
  const tokenDigest = config.operatorToken === null ? null : sha256(config.operatorToken);
  const html = pageHtml({
    basePath: config.basePath,
    refreshMs: config.refreshMs,
    apiKeyHeader: config.apiKeyHeader,
    operator: config.operatorToken !== null,
  });

  const isOperator = (request: IncomingMessage): boolean => {
    if (tokenDigest === null) throw new HttpError(404, 'no operator view');
    const auth = request.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(auth);
    return match !== null && timingSafeEqual(sha256(match[1]!), tokenDigest);
  };

  const route = async (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) => {
    const method = request.method ?? 'GET';
    if (path === '' || path === '/') {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method not allowed');
      return send(response, 200, 'text/html; charset=utf-8', html);
    }
    const assetName = /^\/assets\/([a-z.]+)$/.exec(path)?.[1];
    if (assetName !== undefined) {
      const found = assets.get(assetName);
      if (found === undefined) throw new HttpError(404, 'not found');
      const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      response.setHeader('vary', 'accept-encoding');
      if (gzip) response.setHeader('content-encoding', 'gzip');
      return send(response, 200, found.type, gzip ? found.gzip : found.body);
    }
    if (path === '/api/partner' && method === 'GET')
      return sendJson(response, await partner(config, request, query));
    if (path === '/api/operator' && method === 'GET') {
      if (!isOperator(request)) throw new HttpError(401, 'operator token required');
      const range = rangeOf(config, query);
      return sendJson(
        response,
        await operatorView(config.quota, config.history, config.activity, range, config.nearLimitRatio),
      );
    }
    if (path === '/api/kill-switch') {
      if (method !== 'POST') throw new HttpError(405, 'method not allowed');
      rejectCrossSite(request);
      if (!isOperator(request)) throw new HttpError(401, 'operator token required');
      return sendJson(response, await killSwitch(config, await readJson(request)));
    }
    throw new HttpError(404, 'not found');
  };

  return (request, response, next) => {
    const url = new URL((request as { originalUrl?: string }).originalUrl ?? request.url ?? '/', 'http://x');
    const { pathname } = url;
    if (pathname !== config.basePath && !pathname.startsWith(`${config.basePath}/`)) {
      if (next !== undefined) return next();
      return sendError(response, new HttpError(404, 'not found'));
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    route(request, response, pathname.slice(config.basePath.length), url.searchParams).catch(
      (error: unknown) => sendError(response, error),
    );
  };
}

function rangeOf(config: { readonly clock: () => number }, query: URLSearchParams): ViewRange {
  const hours = Number(query.get('hours') ?? 24);
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_DASHBOARD_HOURS)
    throw new HttpError(400, `hours must be an integer from 1 to ${MAX_DASHBOARD_HOURS}`);
  const nowMs = config.clock();
  // Whole minutes, the current one included: `hours * 60` one-minute points.
  const toMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { fromMs: toMs - hours * HOUR_MS, toMs, nowMs };
}

async function partner<TContext>(
  config: DashboardConfig<TContext>,
  request: IncomingMessage,
  query: URLSearchParams,
): Promise<unknown> {
  const context = await config.context(request);
  let identified;
  try {
    identified = await config.quota.identifyRequest({
      headers: { get: (name: string) => first(request.headers[name]) },
      context,
    });
  } catch {
    // identify may throw on purpose (a bad token): the page is then not for this caller.
    throw new HttpError(401, 'not identified');
  }
  const { client, caller } = identified;
  if (client.anonymous) throw new HttpError(401, 'an API key is required');
  const asked = query.get('client');
  if (asked !== null && asked !== client.id) throw new HttpError(403, 'a partner sees only their own data');
  const range = rangeOf(config, query);
  const state = await config.quota.readClientQuota({ id: client.id, anonymous: false }, caller.plan.name);
  if (state === null) throw new HttpError(500, 'the client plan is not one of the plans');
  return partnerView(
    config.quota,
    config.history,
    { id: client.id, anonymous: false, plan: caller.plan },
    state,
    range,
    config.nearLimitRatio,
  );
}

/** Refuses a request a browser sent from another site (CSRF): its `Origin` or `Sec-Fetch-Site` says so. */
function rejectCrossSite(request: IncomingMessage): void {
  const site = first(request.headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new HttpError(403, 'cross-site request refused');
  const origin = first(request.headers.origin);
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new HttpError(403, 'cross-site request refused');
    }
    if (host !== request.headers.host) throw new HttpError(403, 'cross-site request refused');
  }
  const type = String(request.headers['content-type'] ?? '');
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'application/json required');
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'malformed JSON');
  }
}

/** Carries out a kill-switch order once it is confirmed; answers what was done. */
async function killSwitch<TContext>(config: DashboardConfig<TContext>, body: unknown): Promise<unknown> {
  if (typeof body !== 'object' || body === null) throw new HttpError(400, 'the order must be a JSON object');
  const order = body as Record<string, unknown>;
  const { action, scope } = order;
  if (action !== 'block' && action !== 'unblock')
    throw new HttpError(400, 'action must be "block" or "unblock"');
  if (scope !== 'client' && scope !== 'everyone')
    throw new HttpError(400, 'scope must be "client" or "everyone"');
  const minutes = order['durationMinutes'] ?? 60;
  if (
    action === 'block' &&
    (!Number.isInteger(minutes) || (minutes as number) < 1 || (minutes as number) > MAX_BLOCK_MINUTES)
  )
    throw new HttpError(400, `durationMinutes must be an integer from 1 to ${MAX_BLOCK_MINUTES}`);
  const durationMs = (minutes as number) * 60_000;
  const { quota } = config;
  let target = 'everyone';
  let done: boolean;
  if (scope === 'client') {
    const client = order['client'];
    if (typeof client !== 'string' || client === '' || client.length > 256)
      throw new HttpError(400, 'client must be a client id');
    target = client;
    if (order['confirm'] !== client) throw new HttpError(400, 'confirm must repeat the client id');
    const anonymous = order['anonymous'] === true;
    if (action === 'block')
      done = anonymous
        ? await quota.blockAnonymous(durationMs, client)
        : await quota.block(client, durationMs);
    else done = anonymous ? await quota.unblockAnonymous(client) : await quota.unblock(client);
  } else {
    if (order['confirm'] !== 'everyone') throw new HttpError(400, 'confirm must be "everyone"');
    done = action === 'block' ? await quota.blockEveryone(durationMs) : await quota.unblockEveryone();
  }
  if (!done) throw new HttpError(503, 'the store could not record the order');
  return {
    action,
    scope,
    client: target,
    durationMs: action === 'block' ? durationMs : null,
    recorded: true,
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.statusCode = status;
  response.setHeader('content-type', type);
  response.end(body);
}

function sendJson(response: ServerResponse, body: unknown): void {
  send(response, 200, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.end();
  const status = error instanceof HttpError ? error.status : 500;
  const message = error instanceof HttpError ? error.message : 'internal error';
  send(response, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
}
