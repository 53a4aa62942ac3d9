import cliProgress from 'cli-progress';
import type { Progress } from '../train/loop.ts';

/** A redrawing bar on a terminal; plain lines every 10 % elsewhere (CI logs stay readable). */
export function progressReporter(label: string) {
  if (!process.stderr.isTTY) {
    let last = -1;
    return {
      update(p: Progress) {
        const d = Math.floor((10 * p.epoch) / p.epochs);
        if (d === last) return;
        last = d;
        process.stderr.write(`${label}: epoch ${p.epoch}/${p.epochs} train ${p.trainAcc.toFixed(3)} test ${p.testAcc?.toFixed(3) ?? '–'} ${p.msPerStep.toFixed(2)} ms/step\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} epochs | train {train} test {test} | {ms} ms/step | ETA {eta_formatted}`, stream: process.stderr, etaBuffer: 200 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: Progress) {
      const payload = { train: p.trainAcc.toFixed(3), test: p.testAcc?.toFixed(3) ?? '–', ms: p.msPerStep.toFixed(2) };
      if (!started) {
        bar.start(p.epochs, p.epoch, payload);
        started = true;
      } else bar.update(p.epoch, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
