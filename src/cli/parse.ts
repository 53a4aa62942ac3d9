import { InvalidArgumentError } from 'commander';

/**
 * Option-argument parsers for commander. A bad value is an InvalidArgumentError, which commander
 * reports as "option '--steps <n>' argument '0' is invalid. <why>": the flag, the value, what is
 * allowed. Range checks of run-config fields are left to the config schema (see flags.ts).
 */

export function number(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Allowed: a number.');
  return n;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Allowed: a positive integer.');
  return n;
}

/** `--from`: the snapshot a ticket's mask is taken from. */
export function epochOrFinal(v: string): number | 'final' {
  if (v === 'final') return v;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError("Allowed: 'final' or an epoch (a non-negative integer).");
  return n;
}
