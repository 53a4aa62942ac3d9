import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Whether the process that holds a lock still lives, judged by what identifies it: process id,
 * host, and the process's start time (a pid is reused after its process dies). A holder whose
 * event loop is busy for minutes, or that is stopped (Ctrl-Z), is alive; one that died is dead
 * at once, however recently it refreshed its lock.
 *
 * A pid means something only within one kernel boot and one pid namespace (two containers on one
 * host with one hostname see different processes under the same pid), so `machine` names both;
 * a holder on another machine, or where /proc is missing, is 'unknown' and the lock's refresh
 * time decides (lock.ts).
 */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Linux: the boot id and the pid namespace; null where they cannot be read. */
  machine: string | null;
  /** Linux: the process's start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  start: string | null;
}

/** State and start time of a process from /proc; null if it does not exist (or there is no /proc). */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces or parentheses itself
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return null;
  }
}

function machineId(): string | null {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()} ${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
}

let self: ProcessIdentity | undefined;

export function thisProcess(): ProcessIdentity {
  self ??= { pid: process.pid, host: hostname(), machine: machineId(), start: procStat(process.pid)?.start ?? null };
  return self;
}

/** 'alive' or 'dead' when `other` runs where this process can see it; 'unknown' otherwise. */
export function processState(other: ProcessIdentity, me: ProcessIdentity = thisProcess()): 'alive' | 'dead' | 'unknown' {
  if (other.host !== me.host || other.machine !== me.machine) return 'unknown';
  if (me.machine !== null) {
    const p = procStat(other.pid);
    // a zombie has exited; only its parent has not collected its status yet
    if (!p || p.state === 'Z' || p.state === 'X') return 'dead';
    return other.start === null || p.start === other.start ? 'alive' : 'dead';
  }
  try {
    process.kill(other.pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}
