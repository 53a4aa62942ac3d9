import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write.ts';
import { sampleReport } from './sample.ts';

/**
 * The report as a person sees it: opened in a real headless Chromium (Debian's, which .ci/run
 * installs), it loads without console errors, every plot is visible and spans most of the page's
 * width, and a screenshot is saved in the test's temporary folder (never in reports/, which holds
 * only the real report). Where no Chromium is installed the test is skipped with that reason,
 * except under CI, where that is a failure.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the browser check`);

describe.runIf(haveBrowser)('report in a browser', () => {
  it('loads without console errors and shows every plot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'grok-browser-'));
    await writeReport(sampleReport(), out);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${join(out, 'index.html')}`);
      const plots = page.locator('figure > svg, figure svg.marks');
      const n = await plots.count();
      expect(n).toBeGreaterThan(0);
      const content = (await page.locator('section#summary').boundingBox())!.width;
      const widths: number[] = [];
      for (let i = 0; i < n; i++) {
        const box = await plots.nth(i).boundingBox();
        expect(box && box.width > 100 && box.height > 50).toBe(true);
        widths.push(box!.width);
      }
      // a single-panel curve chart uses the page's width (not a 560-px strip in a 1050-px page)
      expect(Math.max(...widths)).toBeGreaterThan(0.75 * content);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(out, 'screenshot.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
