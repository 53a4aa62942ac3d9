import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../src/util/paths.ts';

/** A TypeScript child process of test/store/fixtures, read line by line. */
export interface Child {
  proc: ChildProcess;
  /** Resolves at the first stdout line equal to `line` (or starting with it, with `prefix`). */
  waitFor(line: string, opts?: { prefix?: boolean }): Promise<string>;
  lines: string[];
  stderr(): string;
  exit: Promise<number | null>;
}

const fixtures = fileURLToPath(new URL('../store/fixtures/', import.meta.url));

/** Every child started here; `killChildren` in an afterAll SIGKILLs those still running (stopped ones too). */
const started: ChildProcess[] = [];
export function killChildren(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export function runFixture(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(fixtures, script), ...args], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  started.push(proc);
  const lines: string[] = [];
  const waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.filter((w) => w.match(line))) w.resolve(line);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exit,
    stderr: () => stderr,
    waitFor: (line, opts = {}) => {
      const match = (l: string) => (opts.prefix ? l.startsWith(line) : l === line);
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exit.then((code) => reject(new Error(`${script} exited (${code}) before printing "${line}":\n${lines.join('\n')}\n${stderr}`)));
      });
    },
  };
}
