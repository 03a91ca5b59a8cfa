/**
 * Money is an integer count of a currency's minor units (cents), held in a
 * bigint and branded so that a plain number or bigint cannot be passed by
 * mistake. No floats, no decimals: formatting happens only at the edges.
 */
declare const minorBrand: unique symbol;
export type Minor = bigint & { readonly [minorBrand]: true };

/** ISO 4217 code, upper case ("USD"). */
export type Currency = string & { readonly length: 3 };

export interface Money {
  readonly amount: Minor;
  readonly currency: Currency;
}

export const minor = (n: bigint): Minor => n as Minor;
export const ZERO = minor(0n);

export function isCurrency(code: string): code is Currency {
  return /^[A-Z]{3}$/.test(code);
}

/** A part of an amount given in basis points (1000 = 10%), rounded half up to the minor unit. */
export function basisPoints(amount: Minor, bps: number): Minor {
  if (!Number.isInteger(bps) || bps < 0)
    throw new RangeError(`basis points must be a whole number >= 0, got ${bps}`);
  const scaled = amount * BigInt(bps);
  return minor((scaled + 5_000n) / 10_000n);
}

export const sum = (amounts: readonly Minor[]): Minor => minor(amounts.reduce<bigint>((a, b) => a + b, 0n));
export const minOf = (a: Minor, b: Minor): Minor => (a < b ? a : b);
export const maxOf = (a: Minor, b: Minor): Minor => (a > b ? a : b);
