import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportInput } from '../../src/report/types.ts';
import { readPreviousResults, writeReport } from '../../src/report/write.ts';
import { sampleReport } from './sample.ts';

/** The sample report plus hostile text in every user-facing field kind. */
function hostileReport(): ReportInput {
  const input = sampleReport();
  const c = input.claims[1]!;
  c.title = 'Random <b>masks</b> & friends';
  c.paperQuote = 'A <script src="https://evil.example/x.js"></script> quote & more';
  c.reason = 'x < y && y > z';
  c.seedTable.rows.push(['<i>seed</i>', Number.NaN, Infinity]);
  input.environment['<env>'] = 'a & b';
  return input;
}

describe('writeReport', () => {
  let dir: string;
  let input: ReportInput;
  let html: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-test-'));
    input = hostileReport();
    await writeReport(input, dir);
    html = await readFile(join(dir, 'index.html'), 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes index.html, summary.md, results.json and three files per figure', async () => {
    for (const f of ['index.html', 'summary.md', 'results.json']) expect(existsSync(join(dir, f))).toBe(true);
    for (const claim of input.claims) {
      for (const fig of claim.figures) {
        for (const ext of ['vl.json', 'svg', 'png']) expect(existsSync(join(dir, claim.id, `${fig.id}.${ext}`))).toBe(true);
      }
    }
    // No temporary files left behind by the atomic writes.
    const all = [...(await readdir(dir)), ...(await readdir(join(dir, input.claims[0]!.id)))];
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('HTML names every claim, has no scripts and escapes user text', () => {
    for (const c of input.claims) expect(html).toContain(c.id);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Random &lt;b&gt;masks&lt;/b&gt; &amp; friends');
    expect(html).toContain('&lt;script src=&quot;https://evil.example/x.js&quot;&gt;');
    expect(html).toContain('x &lt; y &amp;&amp; y &gt; z');
    expect(html).toContain('&lt;i&gt;seed&lt;/i&gt;');
    expect(html).toContain('&lt;env&gt;');
    expect(html).not.toContain('<b>masks');
  });

  it('HTML is self-contained: SVGs inline, no external stylesheets or fonts', () => {
    expect((html.match(/<svg/g) ?? []).length).toBe(input.claims.flatMap((c) => c.figures).length);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(https?:/i);
    expect(html).toContain('not reproduced (known)');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<1e-4'.replace('<', '&lt;'));
  });

  it('Markdown links the PNGs and escapes user text', async () => {
    const md = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(md).toContain('](tickets-cut-tau/test-accuracy.png)');
    expect(md).toContain('](tickets-cut-tau/tau-paired.png)');
    expect(md).toContain('Random &lt;b&gt;masks&lt;/b&gt; &amp; friends');
    expect(md).not.toMatch(/<script/i);
  });

  it('results.json is the input with NaN/Infinity as null', async () => {
    const text = await readFile(join(dir, 'results.json'), 'utf8');
    expect(text).not.toMatch(/NaN|Infinity/);
    const back = JSON.parse(text) as ReportInput;
    expect(back.claims.map((c) => c.id)).toEqual(input.claims.map((c) => c.id));
    const effect = back.claims[0]!.statistics.find((s) => s.name === 'effect size r')!;
    expect(effect.value).toBeNull();
    expect(back.claims[1]!.seedTable.rows.at(-1)).toEqual(['<i>seed</i>', null, null]);
  });

  it('a second report compares verdicts with the first', async () => {
    const next = hostileReport();
    next.claims[0]!.verdict = 'not-reproduced';
    await writeReport(next, dir);
    const html2 = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html2).toContain('Compared with the previous report');
    // the matrix cell names the verdict it had; the claim's section says so in words
    expect(html2).toMatch(/<div class="changed cellnum">was <span class="verdict v-reproduced"/);
    expect(html2).toMatch(/Verdict changed: the previous report said <span class="badge v-reproduced">/);
    expect((html2.match(/class="changed cellnum"/g) ?? []).length).toBe(1);
    const md2 = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(md2).toContain('**changed** (was 🟢 **reproduced**)');
  });

  it('a figure that cannot render is reported, not fatal', async () => {
    const bad = sampleReport();
    bad.claims[0]!.figures.push({ id: 'broken', title: 'Broken', kind: 'pie' as never, data: [], encoding: { x: 'x', y: 'y' } });
    const out = await mkdtemp(join(tmpdir(), 'report-bad-'));
    try {
      const res = await writeReport(bad, out);
      expect(res.figureErrors).toHaveLength(1);
      const page = await readFile(join(out, 'index.html'), 'utf8');
      expect(page).toContain('could not be rendered');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('readPreviousResults', () => {
  it('returns null for a missing or corrupt results.json', async () => {
    const d = await mkdtemp(join(tmpdir(), 'report-prev-'));
    try {
      expect(await readPreviousResults(d)).toBeNull();
      await writeFile(join(d, 'results.json'), '{ not json');
      expect(await readPreviousResults(d)).toBeNull();
      await writeFile(join(d, 'results.json'), '{"claims": 3}');
      expect(await readPreviousResults(d)).toBeNull();
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('a compact copy (docs/reference-report) holds index.html, summary.md and 1× PNGs, and links nothing it lacks', async () => {
    const out = await mkdtemp(join(tmpdir(), 'report-compact-'));
    const r = await writeReport(sampleReport(), out, { compact: true });
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(r.figureFiles.length).toBeGreaterThan(0);
    for (const f of r.figureFiles) expect(f).toMatch(/\.png$/);
    const files = (await readdir(out, { recursive: true })).map(String).filter((f) => /\.(svg|json)$/.test(f));
    expect(files).toEqual([]);
    const page = await readFile(join(out, 'index.html'), 'utf8');
    expect(page).not.toMatch(/href="[^"]+\.(svg|vl\.json)"/);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).not.toMatch(/\]\([^)]+\.(svg|vl\.json)\)/);
    await rm(out, { recursive: true, force: true });
  });
});

