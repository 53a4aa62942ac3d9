import { InvalidArgumentError } from 'commander';

/**
 * Option-argument parsers for commander. A bad value is an InvalidArgumentError, which commander
 * reports as "option '--steps <n>' argument '0' is invalid. <why>": the flag, the value, what is
 * allowed. Range checks of run-config fields are left to the config schema (see flags.ts).
 */

/**
 * Decimal notation only: JavaScript's Number() also reads 0x43, 0b1, 0o7 and "Infinity", and
 * `--p 0x43` silently training p = 67 is a flag that does not mean what it says.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const DIGITS = /^\d+$/;

export function number(v: string): number {
  const n = Number(v);
  if (!DECIMAL.test(v.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('Allowed: a number in decimal notation (e.g. 67, 0.4, 1e-3).');
  return n;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!DIGITS.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('Allowed: a positive integer, in digits.');
  return n;
}

/** `--from`: the snapshot a ticket's mask is taken from. */
export function epochOrFinal(v: string): number | 'final' {
  if (v === 'final') return v;
  const n = Number(v);
  if (!DIGITS.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("Allowed: 'final' or an epoch (a non-negative integer, in digits).");
  return n;
}
