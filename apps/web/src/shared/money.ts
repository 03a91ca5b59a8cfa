/** Minor units as money for people: "150000" USD is "1,500.00 USD" (en) — formatted in the browser's locale. */
export const money = (minor: string, currency: string): string =>
  `${(Number(minor) / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

/**
 * Major units typed by a person, as a string of minor units for the API
 * ("12.5" → "1250", "7,25" → "725"); null when it is not an amount with at
 * most two decimals. The API takes strings: JSON numbers lose precision.
 */
export function toMinor(major: string): string | null {
  const m = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(major);
  if (m === null) return null;
  return (BigInt(m[1] ?? "0") * 100n + BigInt((m[2] ?? "0").padEnd(2, "0"))).toString();
}
