import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.ts';

/** The platform's "open with the default application" command. */
export function opener(platform: NodeJS.Platform = process.platform): { command: string; args: (file: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (f) => [f] };
  // `start` is a cmd.exe built-in; its first quoted argument is a window title
  if (platform === 'win32') return { command: 'cmd', args: (f) => ['/c', 'start', '""', f] };
  return { command: 'xdg-open', args: (f) => [f] };
}

/**
 * How long the opener may take to fail before we take it to have started a browser. xdg-open
 * fails within a second when it finds no browser; with a generic browser it may block until the
 * browser exits, which must not hold the command.
 */
export const OPENER_GRACE_MS = 3000;

const noBrowser = (why: string, file: string) => new UsageError(`--open: no browser available (${why}); the report is at ${file}`);

/**
 * Opens `file` with the platform opener. On Linux without a display (no DISPLAY or
 * WAYLAND_DISPLAY) no opener is tried; an opener that is missing or fails is one line with the
 * file's path and at most the last line the opener printed (its stderr goes to a file, not the
 * terminal): xdg-open on a headless machine prints a dozen lines of its fallbacks.
 */
export async function openFile(file: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { command, args } = opener(platform);
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) throw noBrowser('no display: DISPLAY and WAYLAND_DISPLAY are unset', file);
  // a file, not a pipe: a browser the opener starts inherits it and may write after we exit
  const dir = mkdtempSync(join(tmpdir(), 'grok-open-'));
  const errFile = join(dir, 'stderr');
  const errFd = openSync(errFile, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command, args(file), { detached: true, stdio: ['ignore', 'ignore', errFd], env });
      const timer = setTimeout(() => {
        child.unref();
        resolve();
      }, OPENER_GRACE_MS);
      child.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(err.code === 'ENOENT' ? noBrowser(`no "${command}" on PATH`, file) : noBrowser(`${command} failed: ${err.message}`, file));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        // its last line says why (xdg-open: "no method available for opening …"); the rest is its fallbacks' noise
        const last = readFileSync(errFile, 'utf8').trim().split('\n').at(-1)?.trim().slice(0, 160) ?? '';
        reject(noBrowser(`${command} exited with ${signal ?? `status ${code}`}${last ? `: ${last}` : ''}`, file));
      });
    });
  } finally {
    closeSync(errFd);
    rmSync(dir, { recursive: true, force: true });
  }
}
