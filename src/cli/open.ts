import { spawn } from 'node:child_process';
import { UsageError } from './errors.ts';

/** The platform's "open with the default application" command. */
export function opener(platform: NodeJS.Platform = process.platform): { command: string; args: (file: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (f) => [f] };
  // `start` is a cmd.exe built-in; its first quoted argument is a window title
  if (platform === 'win32') return { command: 'cmd', args: (f) => ['/c', 'start', '""', f] };
  return { command: 'xdg-open', args: (f) => [f] };
}

/**
 * Opens `file` with the platform opener and returns once it has started (a browser may outlive
 * us). No opener on PATH is an error that says what to do instead.
 */
export function openFile(file: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const { command, args } = opener(platform);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args(file), { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(new UsageError(err.code === 'ENOENT'
        ? `--open: no "${command}" on PATH to open ${file}; open it in a browser yourself`
        : `--open: ${command} ${file} failed (${err.message})`));
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
