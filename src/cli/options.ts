// Option values checked up front, with the exact message a user can act on.
import { LabError } from '../errors.js';

export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LabError('USAGE', `Expected \`${name}\` to be a positive integer, got "${value}"`);
  return n;
}

export function nonNegativeInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1)
    throw new LabError('USAGE', `Expected \`${name}\` to be an integer from 0 to 4294967295, got "${value}"`);
  return n;
}
