import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import '../setup-backend.ts';
import { SCALES } from '../../src/config/scale.ts';
import { denseRun, resolve } from '../../src/config/schema.ts';
import { getSetting, settingAt } from '../../src/config/settings.ts';
import { ACLIMDB_FOLDERS, encode, OOV, PAD, readAclImdb, tokenize } from '../../src/data/aclimdb.ts';
import { losses } from '../../src/losses/index.ts';
import { models, modelInit } from '../../src/models/index.ts';
import { imdbMissing, imdbSplit, ImdbSchema } from '../../src/tasks/imdb.ts';
import { tasks } from '../../src/tasks/index.ts';
import { trainLoop } from '../../src/train/loop.ts';
import { denseStepper } from '../../src/train/steppers/dense.ts';

const POS = ['a great film, I loved it', 'wonderful acting<br /><br />and a great story', 'great great fun', 'loved every minute, wonderful'];
const NEG = ['an awful film, I hated it', 'boring and awful<br />acting', 'terrible, boring plot', 'hated every minute, awful'];

/** A tiny aclImdb folder (n reviews per labelled folder) in a temp dir; returns the dir holding aclImdb/. */
function fixture(n = 4): string {
  const root = mkdtempSync(join(tmpdir(), 'grok-imdb-'));
  for (const folder of ACLIMDB_FOLDERS) {
    const dir = join(root, 'aclImdb', folder);
    mkdirSync(dir, { recursive: true });
    const texts = folder.endsWith('pos') ? POS : NEG;
    // ids out of lexical order (10 before 2) to check the numeric ordering
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `${i * 5}_${folder.endsWith('pos') ? 8 : 2}.txt`), `${texts[i % texts.length]} (${folder} ${i})`);
  }
  return root;
}

const saved = process.env.GROK_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.GROK_DATA;
  else process.env.GROK_DATA = saved;
});

describe('IMDb loader (aclImdb folder layout)', () => {
  it('reads every labelled review in a fixed order and checks the counts and the manifest digest', () => {
    const root = fixture();
    const { reviews, sha256 } = readAclImdb(root, { perFolder: 4 });
    expect(reviews.length).toBe(16);
    expect(reviews.slice(0, 4).map((r) => r.path)).toEqual(['train/neg/0_2.txt', 'train/neg/5_2.txt', 'train/neg/10_2.txt', 'train/neg/15_2.txt']);
    expect(reviews.filter((r) => r.label === 1).map((r) => r.path.split('/')[1])).toEqual(Array(8).fill('pos'));
    expect(readAclImdb(root, { perFolder: 4, sha256 }).sha256).toBe(sha256);

    writeFileSync(join(root, 'aclImdb/test/pos/5_8.txt'), 'a changed review');
    expect(() => readAclImdb(root, { perFolder: 4, sha256 })).toThrow(`have manifest SHA-256`);
    expect(() => readAclImdb(root, { perFolder: 4, sha256 })).toThrow(`expected ${sha256}`);
    writeFileSync(join(root, 'aclImdb/test/pos/20_8.txt'), 'one review too many');
    expect(() => readAclImdb(root, { perFolder: 4 })).toThrow(`${join(root, 'aclImdb/test/pos')} holds 5 reviews, expected 4`);
    rmSync(join(root, 'aclImdb/test/pos/20_8.txt'));
    writeFileSync(join(root, 'aclImdb/test/pos/5_8.txt'), ' ');
    expect(() => readAclImdb(root, { perFolder: 4 })).toThrow(`${join(root, 'aclImdb/test/pos/5_8.txt')} is empty`);
    writeFileSync(join(root, 'aclImdb/test/pos/5_8.txt'), Uint8Array.from([0x61, 0xff, 0x62]));
    expect(() => readAclImdb(root, { perFolder: 4 })).toThrow(`${join(root, 'aclImdb/test/pos/5_8.txt')} is not valid UTF-8`);
  });

  it('the task refuses a folder that is not the published dataset (12 500 reviews per folder), naming it', () => {
    const root = fixture();
    expect(() => tasks.get('imdb').make(ImdbSchema.parse({ dataDir: root }))).toThrow(`${join(root, 'aclImdb/train/neg')} holds 4 reviews, expected 12500`);
  });

  it('tokens: lower-case words, the top words of the TRAINING reviews, front padding, the last maxLen tokens kept', () => {
    expect(tokenize("Don't<br />stop: GREAT film!")).toEqual(["don't", 'stop', 'great', 'film']);
    const vocab = new Map([['great', 2], ['film', 3]]);
    expect([...encode(['a', 'great', 'film'], vocab, 5)]).toEqual([PAD, PAD, OOV, 2, 3]);
    expect([...encode(['great', 'a', 'film', 'film'], vocab, 2)]).toEqual([3, 3]);

    const cfg = ImdbSchema.parse({ vocab: 6, maxLen: 8, fracTrain: 0.75, seed: 1 });
    const split = imdbSplit(readAclImdb(fixture(), { perFolder: 4 }).reviews, cfg);
    expect([split.train.n, split.test.n]).toEqual([12, 4]);
    if (split.train.kind !== 'tokens') throw new Error('tokens expected');
    expect(split.train.tokens.length).toBe(8);
    expect(split.train.vocab).toBe(8);
    for (const col of split.train.tokens) for (const id of col) expect(id >= 0 && id < 8).toBe(true);
    // seeded: the same seed gives the same split, another seed another
    const again = imdbSplit(readAclImdb(fixture(), { perFolder: 4 }).reviews, cfg);
    expect(again.train.labels).toEqual(split.train.labels);
    const other = imdbSplit(readAclImdb(fixture(), { perFolder: 4 }).reviews, { ...cfg, seed: 2 });
    expect(other.train.kind === 'tokens' && other.train.tokens.map((c) => [...c])).not.toEqual(split.train.tokens.map((c) => [...c]));
  });

  it('one training step of the 2-layer LSTM with binary cross-entropy on the fixture lowers the loss, leaking nothing', async () => {
    const cfg = ImdbSchema.parse({ vocab: 12, maxLen: 10, fracTrain: 0.75, seed: 0 });
    const split = imdbSplit(readAclImdb(fixture(), { perFolder: 4 }).reviews, cfg);
    const model = models.get('lstm');
    const layout = model.layout({ dEmb: 8, dHidden: 6, weightScale: 1 }, tasks.get('imdb').shape(cfg));
    expect(layout.layers.filter((l) => !l.prunable).map((l) => l.name)).toEqual(['b1', 'b2', 'bo']);
    const before = tf.memory().numTensors;
    const log = await trainLoop({
      model, loss: losses.get('binaryCrossEntropy'), layout, split, outputSize: 1, epochs: 2, evalEvery: 1, snapshotEvery: 2,
      stepper: denseStepper({ layout, theta0: modelInit(model, layout, 0, {}), mask: null, optim: { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 } }),
    }, { loadResume: async () => null, saveResume: async () => {}, saveSnapshot: async () => {}, resumeEvery: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(log!.epochs).toEqual([0, 1, 2]);
    expect(log!.trainLoss[1]).toBeLessThan(log!.trainLoss[0]);
    expect(log!.trainLoss[0]).toBeCloseTo(Math.log(2), 0);
  });
});

describe('IMDb where the data are absent', () => {
  it('the setting is skipped with the exact instruction; with GROK_DATA naming the data it is not', () => {
    delete process.env.GROK_DATA;
    const at = settingAt(getSetting('lstm-imdb'), SCALES.ci);
    expect('undecidable' in at && at.undecidable).toBe(
      'IMDb is not installed: download aclImdb_v1.tar.gz (MD5 7c2ac02c03563afcf9b574c7e56c153a) from https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz and extract it so that $GROK_DATA/aclImdb/train/pos/*.txt exist (tar -xzf aclImdb_v1.tar.gz -C "$GROK_DATA"), with GROK_DATA naming a directory of your choice',
    );
    const empty = mkdtempSync(join(tmpdir(), 'grok-data-'));
    process.env.GROK_DATA = empty;
    expect(imdbMissing()).toContain(`so that ${empty}/aclImdb/train/pos/*.txt exist`);
    process.env.GROK_DATA = fixture();
    expect(imdbMissing()).toBeNull();
    // with the data present, the measured cost is what keeps it from ci
    const ci = settingAt(getSetting('lstm-imdb'), SCALES.ci);
    expect('undecidable' in ci && ci.undecidable).toMatch(/^measured: one step .* on the native engine .* evaluation must first be split into chunks/);
    // small enough for a full batch of the published 50 000 reviews (the default LSTM needs ~6 GiB at
    // maxLen 7 and is refused by the memory bound, test/config/bounds.test.ts)
    expect(() => resolve(denseRun({ data: { task: 'imdb', vocab: 10, maxLen: 7 }, model: { name: 'lstm', dEmb: 8, dHidden: 8 }, epochs: 1 }))).not.toThrow();
  });

  it('a GROK_DATA that is a file is an error naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'grok-data-')), 'f');
    writeFileSync(file, 'x');
    process.env.GROK_DATA = file;
    expect(() => imdbMissing()).toThrow(`GROK_DATA: ${file} is a file, not a directory`);
  });
});
