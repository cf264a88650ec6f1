/**
 * The screenshots of docs/dashboard.md, made with the browser tests' tooling (Debian's Chromium through
 * playwright-core) on the demo server: `npx tsx scripts/dashboard-screenshots.ts`. A scripted day of traffic
 * (written to the usage history) and a few real operations, then the partner view (laptop and phone) and
 * the operator view with the kill switch's confirmation step open.
 */
import { mkdirSync } from 'node:fs';
import { MemoryStore } from '../src/store/index.js';
import { MINUTE_MS } from '../src/history/index.js';
import { startDemoServer } from '../demo/server.js';
import { launchChromium } from '../__tests__/helpers/browser.js';

const OUT = 'docs/images';
const TOKEN = 'screenshot-operator-token-0000';

async function main(): Promise<void> {
  const now = Date.now();
  const demo = await startDemoServer({ port: 0, store: new MemoryStore(), operatorToken: TOKEN });
  const browser = await launchChromium();
  try {
    // Six hours of synthetic history: acme-pro steady, acme-free with a burst at the end and refusals.
    for (let m = 360; m > 0; m--) {
      const timeMs = now - m * MINUTE_MS;
      const wave = Math.round(20 + 15 * Math.sin(m / 25));
      demo.history.record({
        timeMs,
        client: { id: 'acme-pro', anonymous: false },
        plan: 'pro',
        operationName: m % 3 === 0 ? 'ProductPage' : 'CategoryTree',
        pointsCharged: wave,
        pointsRefunded: m % 4,
        actualCost: wave - (m % 4),
        refusalCode: null,
      });
      if (m < 40)
        demo.history.record({
          timeMs,
          client: { id: 'acme-free', anonymous: false },
          plan: 'free',
          operationName: 'ExportCatalogue',
          pointsCharged: m % 5 === 0 ? 0 : 12,
          pointsRefunded: 0,
          actualCost: m % 5 === 0 ? 0 : 12,
          refusalCode: m % 5 === 0 ? 'QUOTA_EXCEEDED' : null,
        });
    }
    // Real operations, so the limits move in the store too.
    const send = (key: string, query: string) =>
      fetch(demo.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query }),
      });
    for (let i = 0; i < 12; i++)
      await send('demo-free', 'query ExportCatalogue { products(first: 40) { nodes { sku } } }');
    for (let i = 0; i < 5; i++) await send('demo-pro', 'query CategoryTree { categoryTree { code } }');

    mkdirSync(OUT, { recursive: true });
    const shoot = async (file: string, width: number, height: number, secret: string, operator: boolean) => {
      const page = await browser.newPage({
        viewport: { width, height },
        deviceScaleFactor: 1,
        isMobile: width < 600,
      });
      await page.goto(`${demo.url}dashboard?hours=6`);
      await page.fill(operator ? '#operator-token' : '#api-key', secret);
      await page.click(operator ? '#operator-form button' : '#partner-form button');
      await page.waitForSelector('.uplot canvas');
      if (operator) {
        await page.click('tr[data-client="acme-free"] button[data-action="block"]');
        await page.waitForSelector('#confirm-go');
      }
      await page.screenshot({ path: `${OUT}/${file}`, fullPage: true });
      await page.close();
      console.log(`${OUT}/${file}`);
    };
    await shoot('dashboard-partner.png', 1280, 900, 'demo-free', false);
    await shoot('dashboard-partner-phone.png', 390, 844, 'demo-free', false);
    await shoot('dashboard-operator.png', 1280, 900, TOKEN, true);
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
