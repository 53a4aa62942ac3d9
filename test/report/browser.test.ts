import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/write.ts';
import { sampleReport } from './sample.ts';
import { MATRIX_SETTINGS, matrixReport } from './sample-matrix.ts';

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

const launch = () => chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

describe.runIf(haveBrowser)('report in a browser', () => {
  it('loads without console errors and shows every plot', async () => {
    const out = mkdtempSync(join(tmpdir(), 'grok-browser-'));
    await writeReport(sampleReport(), out);
    const browser = await launch();
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

  /**
   * The matrix of a report of the real suite's size (15 claims × 14 settings): at 1280 × 900
   * nothing scrolls sideways, neither the page nor the matrix, and every setting's verdicts lie
   * within the viewport's width; the toggle hides the all-skipped settings; at 390 × 844 (a phone)
   * the first verdict is within two screens and the page is no wider than the phone.
   */
  it('the verdict matrix fits at 1280 px, and a phone sees verdicts within two screens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'grok-matrix-'));
    const input = matrixReport();
    await writeReport(input, out);
    const browser = await launch();
    try {
      const wide = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await wide.goto(`file://${join(out, 'index.html')}`);
      const fit = () => wide.evaluate(() => {
        const box = document.querySelector('#summary .matrix-scroll')!;
        // per matrix column (1 = the first setting): the verdicts in it that lie within the viewport's width
        const visible: Record<number, number> = {};
        for (const row of document.querySelectorAll('#summary table.matrix tbody tr')) {
          [...row.children].forEach((cell, k) => {
            const v = cell.querySelector('.verdict');
            const r = v?.getBoundingClientRect();
            if (r && r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth) visible[k] = (visible[k] ?? 0) + 1;
          });
        }
        const headers = [...document.querySelectorAll('#summary table.matrix th.set')].filter((e) => e.getBoundingClientRect().width > 0).map((e) => e.textContent);
        return { page: document.documentElement.scrollWidth, viewport: window.innerWidth, scroll: box.scrollWidth, client: box.clientWidth, visible, headers };
      });
      const m = await fit();
      expect(m.page).toBeLessThanOrEqual(m.viewport);
      expect(m.scroll).toBeLessThanOrEqual(m.client);
      expect(m.headers).toEqual(MATRIX_SETTINGS.map((s) => s.short));
      for (let k = 1; k <= MATRIX_SETTINGS.length; k++) expect(m.visible[k], `verdicts of ${MATRIX_SETTINGS[k - 1]!.name}`).toBeGreaterThan(0);
      await wide.screenshot({ path: join(out, 'matrix-1280.png') });

      // the toggle: the settings skipped on every claim go, the rest stay in the width
      const allSkipped = (name: string) => input.claims.filter((c) => c.setting === name).every((c) => c.verdict === 'skipped');
      const kept = MATRIX_SETTINGS.filter((s) => !allSkipped(s.name));
      expect(kept.length).toBeLessThan(MATRIX_SETTINGS.length);
      await wide.check('#hide-skipped-matrix');
      const hidden = await fit();
      expect(hidden.headers).toEqual(kept.map((s) => s.short));
      expect(hidden.scroll).toBeLessThanOrEqual(hidden.client);

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(`file://${join(out, 'index.html')}`);
      const p = await phone.evaluate(() => {
        const first = [...document.querySelectorAll('#summary .verdict')].map((e) => e.getBoundingClientRect()).find((r) => r.width > 0 && r.height > 0);
        return { page: document.documentElement.scrollWidth, viewport: window.innerWidth, top: first ? first.top : null };
      });
      expect(p.top).not.toBeNull();
      expect(p.top!).toBeLessThan(2 * 844);
      expect(p.page).toBeLessThanOrEqual(p.viewport);
      await phone.screenshot({ path: join(out, 'matrix-390.png') });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
