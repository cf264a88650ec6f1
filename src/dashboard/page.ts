/**
 * The dashboard page: one HTML document, one stylesheet, one script. The script builds every element with
 * the DOM API and writes every value with `textContent` (never HTML), and the page's Content-Security-Policy
 * runs only the handler's own scripts: a client id or an operation name cannot become markup or code.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface PageSettings {
  readonly basePath: string;
  readonly refreshMs: number;
  readonly apiKeyHeader: string;
  readonly operator: boolean;
}

/** The page: settings go in data attributes (escaped), the rest is built by the script. */
export function pageHtml(settings: PageSettings): string {
  const base = escapeHtml(settings.basePath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API usage · graphql-quota</title>
<link rel="stylesheet" href="${base}/assets/uplot.css">
<link rel="stylesheet" href="${base}/assets/app.css">
</head>
<body data-base="${base}" data-refresh-ms="${settings.refreshMs}" data-api-key-header="${escapeHtml(
    settings.apiKeyHeader,
  )}" data-operator="${settings.operator ? 'on' : 'off'}">
<header><h1>API usage</h1><span id="who"></span><button id="signout" hidden>Sign out</button></header>
<main id="main">
<section id="signin" class="card">
<form id="partner-form"><h2>Partner</h2><label>API key <input id="api-key" type="password" autocomplete="off" required></label><button type="submit">Show my usage</button></form>
<form id="operator-form"><h2>Operator</h2><label>Operator token <input id="operator-token" type="password" autocomplete="off" required></label><button type="submit">Open the operator view</button></form>
</section>
<p id="error" role="alert" hidden></p>
<section id="view"></section>
</main>
<script src="${base}/assets/uplot.js"></script>
<script src="${base}/assets/app.js"></script>
</body>
</html>
`;
}

export const APP_CSS = String.raw`
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
header{display:flex;align-items:center;gap:1rem;padding:.6rem 1rem;background:#1f2937;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0}
#who{flex:1;font-size:.9rem;opacity:.9}
main{max-width:1200px;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:1rem;margin-bottom:1rem;overflow-x:auto}
#signin{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}
label{display:block;margin:.4rem 0}
input{font:inherit;padding:.35rem .5rem;width:100%;max-width:22rem;border:1px solid #9aa3ad;border-radius:4px}
button{font:inherit;padding:.35rem .8rem;border-radius:4px;border:1px solid #1f2937;background:#fff;cursor:pointer;margin:.2rem .2rem .2rem 0}
button.danger{background:#b42318;color:#fff;border-color:#b42318}
h2{font-size:1rem;margin:.2rem 0 .6rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e7eb;white-space:nowrap}
td.num,th.num{text-align:right}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}
.warning{background:#fff4e5;border-left:4px solid #f79009}
.blocked{background:#fee4e2;border-left:4px solid #b42318}
.near{color:#b54708;font-weight:600}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.8rem;background:#e5e7eb}
.badge.enforce{background:#d1fadf}.badge.dry-run{background:#fef0c7}
.bar{height:.5rem;background:#e5e7eb;border-radius:3px;min-width:6rem}
.bar>span{display:block;height:100%;border-radius:3px;background:#2e90fa}
.bar.near>span{background:#f79009}
#error{color:#b42318;font-weight:600}
.chart{min-height:200px}
.confirm{border:2px solid #b42318}
@media (max-width:600px){main{padding:.5rem}th,td{padding:.25rem .3rem;font-size:.85rem}}
`;

/**
 * The page's script. Plain ES2020, no framework. It keeps the partner's API key or the operator's token in
 * sessionStorage, sends it as a header (never a cookie: a cross-site page cannot make the browser send it),
 * polls its view every `refreshMs`, and writes values with textContent only.
 */
export const APP_JS = String.raw`(function () {
'use strict';
var body = document.body;
var BASE = body.getAttribute('data-base');
var REFRESH = Number(body.getAttribute('data-refresh-ms'));
var KEY_HEADER = body.getAttribute('data-api-key-header');
var view = document.getElementById('view');
var errorBox = document.getElementById('error');
var charts = {};
var timer = null;
var pendingConfirm = null;
var hours = Number(new URLSearchParams(location.search).get('hours') || 24);

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === 'text') node.textContent = String(attrs[k]);
    else if (k === 'class') node.className = attrs[k];
    else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
    else node.setAttribute(k, String(attrs[k]));
  }
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
}
function num(n, key) {
  var text = Number.isInteger(n) ? n.toLocaleString('en-US') : (Math.round(n * 100) / 100).toLocaleString('en-US');
  var attrs = { text: text, 'data-value': String(n) };
  if (key) attrs['data-k'] = key;
  return el('span', attrs);
}
function td(child, cls) { var c = el('td', cls ? { class: cls } : null); if (typeof child === 'string') c.textContent = child; else if (child) c.appendChild(child); return c; }
function table(headers, rows) {
  return el('table', null, [el('thead', null, [el('tr', null, headers.map(function (h) { return el('th', { text: h }); }))]), el('tbody', null, rows)]);
}
function card(title, children, cls) { return el('section', { class: 'card' + (cls ? ' ' + cls : '') }, [el('h2', { text: title })].concat(children)); }
function time(ms) { return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'; }
function showError(message) { errorBox.textContent = message; errorBox.hidden = !message; }

function credentials() {
  var key = sessionStorage.getItem('gq-api-key');
  var token = sessionStorage.getItem('gq-operator-token');
  if (token) return { kind: 'operator', headers: { authorization: 'Bearer ' + token } };
  if (key) { var h = {}; h[KEY_HEADER] = key; return { kind: 'partner', headers: h }; }
  return null;
}
function request(path, init) {
  var c = credentials();
  init = init || {};
  init.headers = Object.assign({}, init.headers || {}, c ? c.headers : {});
  init.credentials = 'omit';
  return fetch(BASE + path, init).then(function (r) {
    return r.json().then(function (data) { if (!r.ok) { var e = new Error(data.error || r.statusText); e.status = r.status; throw e; } return data; });
  });
}

function chart(id, title, timeMs, series, container) {
  var width = Math.max(280, container.clientWidth - 8);
  var data = [timeMs.map(function (t) { return t / 1000; })].concat(series.map(function (s) { return s.values; }));
  var existing = charts[id];
  if (existing && existing.series.length === series.length + 1) { existing.setData(data); return existing.root; }
  if (existing) { existing.destroy(); delete charts[id]; }
  var colors = ['#2e90fa', '#b42318', '#12b76a', '#f79009', '#7a5af8'];
  var opts = { title: title, width: width, height: 200, series: [{}].concat(series.map(function (s, i) {
    return { label: s.label, stroke: s.color || colors[i % colors.length], width: s.dash ? 1 : 1.5, dash: s.dash, points: { show: false } };
  })), axes: [{}, { size: 60 }] };
  var u = new uPlot(opts, data, container);
  charts[id] = u;
  return u.root;
}
var boxes = {};
function chartBox(id) {
  var box = boxes[id] || el('div', { id: 'chart-' + id, class: 'chart' });
  boxes[id] = box;
  return box;
}

function limitRows(limits, prefix) {
  return limits.map(function (l) {
    var k = prefix + l.name + '.';
    var bar = el('div', { class: 'bar' + (l.near ? ' near' : '') }, [el('span')]);
    bar.firstChild.style.width = Math.min(100, l.ratio * 100) + '%';
    return el('tr', { 'data-limit': l.name }, [td(l.name), td(l.kind + ' / ' + l.counts), td(num(l.used, k + 'used'), 'num'),
      td(num(l.limit, k + 'limit'), 'num'), td(num(l.remaining, k + 'remaining'), 'num'), td(bar), td(time(Date.parse(l.resetAt)))]);
  });
}
function refusalRows(refusals, prefix) {
  var codes = Object.keys(refusals).sort();
  if (codes.length === 0) return [el('tr', null, [td('none'), td('')])];
  return codes.map(function (c) { return el('tr', null, [td(c), td(num(refusals[c], prefix + c), 'num')]); });
}
function operationRows(ops, prefix) {
  if (ops.length === 0) return [el('tr', null, [td('none')])];
  return ops.map(function (o, i) {
    var k = prefix + i + '.';
    return el('tr', null, [td(o.operationName === null ? '(anonymous)' : o.operationName), td(num(o.operations, k + 'operations'), 'num'),
      td(num(o.actualCost, k + 'actualCost'), 'num'), td(num(o.maxActualCost, k + 'maxActualCost'), 'num')]);
  });
}
function totalsTable(t, prefix) {
  return table(['Operations', 'Points charged (net)', 'Actual cost', 'Refused'], [el('tr', null, [
    td(num(t.operations, prefix + 'operations'), 'num'), td(num(t.pointsCharged - t.pointsRefunded, prefix + 'pointsNet'), 'num'),
    td(num(t.actualCost, prefix + 'actualCost'), 'num'), td(num(t.refused, prefix + 'refused'), 'num')])]);
}

function renderPartner(d) {
  document.getElementById('who').textContent = d.client.id + ' · plan ' + d.client.plan;
  var parts = [];
  var near = d.limits.filter(function (l) { return l.near; });
  if (d.blocked) parts.push(card('Blocked', [el('p', { text: 'Your access is blocked by the API operator. Contact them to restore it.' })], 'blocked'));
  if (near.length) parts.push(card('Near your limits', near.map(function (l) {
    return el('p', { 'data-near': l.name, text: l.name + ': ' + Math.round(l.ratio * 100) + '% used; resets ' + time(Date.parse(l.resetAt)) + '.' });
  }), 'warning'));
  if (!d.available) parts.push(card('Quota state unavailable', [el('p', { text: 'The quota store could not be read; usage is not shown.' })], 'warning'));
  parts.push(card('Limits', [table(['Limit', 'Kind', 'Used', 'Limit', 'Remaining', '', 'Resets'], limitRows(d.limits, 'limit.'))]));
  var grid = el('div', { class: 'grid', id: 'partner-charts' });
  parts.push(card('Last ' + hours + ' h', [totalsTable(d.totals, 'total.'), grid]));
  parts.push(el('div', { class: 'grid' }, [card('Refusals by code', [table(['Code', 'Count'], refusalRows(d.refusals, 'refusals.'))]),
    card('Most expensive operations', [table(['Operation', 'Runs', 'Actual cost', 'Costliest run'], operationRows(d.topOperations, 'op.'))])]));
  replace(parts);
  d.limitSeries.forEach(function (s) {
    var box = chartBox('limit-' + s.name); grid.appendChild(box);
    chart('limit-' + s.name, s.name + ' (' + s.counts + ') vs limit', d.series.timeMs, [
      { label: 'used', values: s.used }, { label: 'limit', values: s.used.map(function () { return s.limit; }), color: '#b42318', dash: [6, 4] }], box);
  });
  var ops = chartBox('partner-ops'); grid.appendChild(ops);
  chart('partner-ops', 'Operations and refusals per minute', d.series.timeMs, [{ label: 'operations', values: d.series.operations }, { label: 'refused', values: d.series.refused }], ops);
}

function renderOperator(d) {
  document.getElementById('who').textContent = 'Operator';
  var parts = [];
  var mode = el('span', { class: 'badge ' + d.mode, text: d.mode });
  var last = d.store.lastCall;
  parts.push(card('Overview', [table(['Mode', 'Store', 'On store failure', 'Timeout (ms)', 'Last store call'], [el('tr', null, [
    td(mode), td(d.store.name), td(d.store.onStoreFailure), td(num(d.store.timeoutMs, 'store.timeoutMs'), 'num'),
    td(last ? last.outcome + ' in ' + last.durationMs.toFixed(1) + ' ms at ' + time(last.timeMs) : 'none yet')])]), totalsTable(d.totals, 'total.')]));
  var near = d.clients.filter(function (c) { return c.near; });
  parts.push(card('Near their limits', near.length ? [el('ul', null, near.map(function (c) {
    return el('li', { 'data-near-client': c.client.id, text: c.client.id + ' (' + c.plan + '): ' + Math.round(c.ratio * 100) + '%' });
  }))] : [el('p', { text: 'No client is near a limit.' })], near.length ? 'warning' : ''));
  var rows = d.clients.map(function (c, i) {
    var k = 'client.' + c.client.id + '.';
    var action = c.blocked ? el('button', { text: 'Unblock', 'data-action': 'unblock', onclick: function () { ask('unblock', 'client', c.client); } })
      : el('button', { class: 'danger', text: 'Block', 'data-action': 'block', onclick: function () { ask('block', 'client', c.client); } });
    var bar = el('div', { class: 'bar' + (c.near ? ' near' : '') }, [el('span')]);
    bar.firstChild.style.width = Math.min(100, c.ratio * 100) + '%';
    return el('tr', { 'data-client': c.client.id, class: c.blocked ? 'blocked' : '' }, [td(String(i + 1)), td(c.client.id + (c.client.anonymous ? ' (anonymous)' : '')), td(c.plan),
      td(num(Math.round(c.ratio * 1000) / 10, k + 'percent'), 'num'), td(bar), td(num(c.operations, k + 'operations'), 'num'),
      td(num(c.pointsCharged - c.pointsRefunded, k + 'pointsNet'), 'num'), td(num(c.refused, k + 'refused'), 'num'),
      td(c.blocked ? 'blocked' : 'active'), td(action)]);
  });
  parts.push(card('Clients by usage of their limits', [table(['#', 'Client', 'Plan', '% of limit', '', 'Operations', 'Points (net)', 'Refused', 'State', 'Kill switch'], rows)]));
  parts.push(card('Kill switch: everyone', [el('button', { class: 'danger', text: 'Block everyone', onclick: function () { ask('block', 'everyone', null); } }),
    el('button', { text: 'Unblock everyone', onclick: function () { ask('unblock', 'everyone', null); } }), confirmBox()]));
  var grid = el('div', { class: 'grid' });
  parts.push(card('Last ' + hours + ' h', [grid]));
  parts.push(el('div', { class: 'grid' }, [card('Refusals by code', [table(['Code', 'Count'], refusalRows(d.refusals, 'refusals.'))]),
    card('Most expensive operations', [table(['Operation', 'Runs', 'Actual cost', 'Costliest run'], operationRows(d.topOperations, 'op.'))])]));
  if (d.orders.length) parts.push(card('Kill-switch orders given here', [table(['Time', 'Order', 'Scope', 'Recorded'], d.orders.slice().reverse().map(function (o) {
    return el('tr', null, [td(time(o.timeMs)), td(o.action), td(o.scope), td(o.recorded ? 'yes' : 'no')]);
  }))]));
  replace(parts);
  var rate = chartBox('refusal-rate'); grid.appendChild(rate);
  chart('refusal-rate', 'Operations and refusals per minute', d.series.timeMs, [{ label: 'operations', values: d.series.operations }, { label: 'refused', values: d.series.refused }], rate);
  if (d.activity && d.activity.timeMs.length) {
    var health = chartBox('store-health'); grid.appendChild(health);
    chart('store-health', 'Store calls, failures, fallback (this instance)', d.activity.timeMs, [
      { label: 'calls', values: d.activity.storeCalls },
      { label: 'errors+timeouts', values: d.activity.storeErrors.map(function (e, i) { return e + d.activity.storeTimeouts[i]; }) },
      { label: 'fallback', values: d.activity.fallbackDecisions }, { label: 'dry-run refusals', values: d.activity.dryRunRefusals }], health);
  }
}

function confirmBox() {
  var box = el('div', { id: 'confirm', hidden: '' });
  if (pendingConfirm) {
    box.hidden = false; box.className = 'confirm card';
    var p = pendingConfirm;
    var who = p.scope === 'everyone' ? 'everyone' : p.client.id;
    var input = el('input', { id: 'confirm-input', autocomplete: 'off', placeholder: who });
    var minutes = el('input', { id: 'confirm-minutes', type: 'number', min: '1', max: '10080', value: '60' });
    box.appendChild(el('p', { text: (p.action === 'block' ? 'Block ' : 'Unblock ') + who + ' on every server instance sharing the store. Type "' + who + '" to confirm.' }));
    box.appendChild(el('label', { text: 'Confirm' }, [input]));
    if (p.action === 'block') box.appendChild(el('label', { text: 'Minutes' }, [minutes]));
    box.appendChild(el('button', { class: 'danger', id: 'confirm-go', text: 'Confirm ' + p.action, onclick: function () { order(p, input.value, Number(minutes.value)); } }));
    box.appendChild(el('button', { text: 'Cancel', onclick: function () { pendingConfirm = null; refresh(); } }));
  }
  return box;
}
function ask(action, scope, client) { pendingConfirm = { action: action, scope: scope, client: client }; refresh(); }
function order(p, confirmText, minutes) {
  var body = { action: p.action, scope: p.scope, confirm: confirmText };
  if (p.client) { body.client = p.client.id; body.anonymous = p.client.anonymous; }
  if (p.action === 'block') body.durationMinutes = minutes;
  request('/api/kill-switch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(function () { pendingConfirm = null; showError(''); refresh(); }, function (e) { showError('Kill switch: ' + e.message); });
}

function replace(parts) {
  while (view.firstChild) view.removeChild(view.firstChild);
  parts.forEach(function (p) { view.appendChild(p); });
}
function clearCharts() {
  Object.keys(charts).forEach(function (id) { charts[id].destroy(); });
  charts = {}; boxes = {};
}

function refresh() {
  var c = credentials();
  document.getElementById('signin').hidden = !!c;
  document.getElementById('signout').hidden = !c;
  if (!c) { while (view.firstChild) view.removeChild(view.firstChild); return Promise.resolve(); }
  var path = c.kind === 'operator' ? '/api/operator' : '/api/partner';
  return request(path + '?hours=' + hours).then(function (d) {
    if (c.kind === 'operator') renderOperator(d); else renderPartner(d);
    if (!(c.kind === 'operator' && pendingConfirm)) showError('');
    body.setAttribute('data-updated', String(d.nowMs));
  }, function (e) {
    showError(e.status === 401 ? 'Not signed in: check your key.' : e.status === 403 ? 'Forbidden.' : 'Could not load: ' + e.message);
    if (e.status === 401) { sessionStorage.clear(); document.getElementById('signin').hidden = false; }
  });
}
function schedule() { clearTimeout(timer); timer = setTimeout(function () { refresh().then(schedule, schedule); }, REFRESH); }

document.getElementById('partner-form').addEventListener('submit', function (e) {
  e.preventDefault(); sessionStorage.clear(); clearCharts(); sessionStorage.setItem('gq-api-key', document.getElementById('api-key').value); refresh();
});
document.getElementById('operator-form').addEventListener('submit', function (e) {
  e.preventDefault(); sessionStorage.clear(); clearCharts(); sessionStorage.setItem('gq-operator-token', document.getElementById('operator-token').value); refresh();
});
document.getElementById('signout').addEventListener('click', function () { sessionStorage.clear(); clearCharts(); document.getElementById('who').textContent = ''; pendingConfirm = null; refresh(); });
if (body.getAttribute('data-operator') !== 'on') document.getElementById('operator-form').hidden = true;
window.addEventListener('resize', function () { Object.keys(charts).forEach(function (id) { var u = charts[id]; u.setSize({ width: Math.max(280, u.root.parentNode.clientWidth - 8), height: 200 }); }); });
refresh().then(schedule, schedule);
})();
`;
