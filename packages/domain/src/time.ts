/** Calendar helpers in UTC. The domain takes the time as an argument (a Clock port lives at the edge). */
const DAY_MS = 86_400_000;

export const addDays = (t: Date, days: number): Date => new Date(t.getTime() + days * DAY_MS);

/** Adds business days (Monday to Friday, UTC): Friday + 1 is Monday. */
export function addBusinessDays(t: Date, days: number): Date {
  let out = new Date(t.getTime());
  let left = days;
  while (left > 0) {
    out = addDays(out, 1);
    const weekday = out.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return out;
}

/** Monday 00:00 UTC of the week holding `t`. */
export function weekStart(t: Date): Date {
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return addDays(day, -sinceMonday);
}

/** `t` plus whole calendar months, UTC (the 31st of a shorter month becomes its last day). */
export function addMonths(t: Date, months: number): Date {
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(t.getUTCDate(), last),
      t.getUTCHours(),
      t.getUTCMinutes(),
      t.getUTCSeconds(),
      t.getUTCMilliseconds(),
    ),
  );
}
