/**
 * Renders the sample report for eyeballing: `npx tsx test/report/render-sample.ts [outDir]`
 * (default /tmp/sample-report). Not a test; the writer tests use the same sample input.
 */
import { writeReport } from '../../src/report/write.ts';
import { sampleReport } from './sample.ts';

const outDir = process.argv[2] ?? '/tmp/sample-report';
writeReport(sampleReport(), outDir).then(
  (r) => {
    console.log(`wrote ${r.html}, ${r.markdown}, ${r.json} and ${r.figureFiles.length} figure files`);
    for (const e of r.figureErrors) console.error(`figure failed: ${e}`);
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
