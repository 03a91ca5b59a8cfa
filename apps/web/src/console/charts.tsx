import { type ReactNode, useId } from "react";

/*
 * Charts drawn by hand as inline SVG, no chart library: the console's first load stays small
 * (measured with web-budget.test.ts: 72.3 KiB of JavaScript gzipped before the dashboard, these charts,
 * the policy page and the queue filters; 77.9 KiB after, all of them included; a chart library would add
 * tens of KiB more for a few bars and lines).
 * Each chart is an <svg role="img"> with a <title> and <desc>, axis labels, a legend, and the same
 * figures in a visually hidden table for screen readers.
 */

export interface Series {
  key: string;
  label: string;
  color: string;
  /** One value per label; null is "no value" (a gap in a line, nothing in a bar). */
  values: readonly (number | null)[];
}

interface ChartProps {
  title: string;
  desc: string;
  labels: readonly string[];
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  /** How a value is written in ticks, tooltips and the table. */
  format?: (v: number) => string;
  /** The top of the y axis at least this (e.g. 1 for shares). */
  yMin?: number;
  /** Counts: ticks at whole numbers only. */
  integers?: boolean;
}

const W = 640;
const H = 240;
const M = { top: 12, right: 12, bottom: 44, left: 56 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** A round top for the y axis and its ticks: 1, 2 or 5 times a power of ten per step, four steps. */
export function niceTicks(max: number, integers = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = integers ? Math.max(1, max / 4) : max / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

const plain = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Which x labels to write: at most about eight, always the first and the last. */
function shownLabels(n: number): Set<number> {
  const every = Math.max(1, Math.ceil(n / 8));
  const shown = new Set<number>();
  for (let i = 0; i < n; i += every) shown.add(i);
  // The last label too, in place of a shown one too close to it to be read.
  for (let i = n - 1 - Math.ceil(every / 2) + 1; i < n - 1; i++) shown.delete(i);
  shown.add(n - 1);
  return shown;
}

function Axes({
  labels,
  ticks,
  yTop,
  xLabel,
  yLabel,
  format,
  xOf,
}: {
  labels: readonly string[];
  ticks: number[];
  yTop: number;
  xLabel: string;
  yLabel: string;
  format: (v: number) => string;
  xOf: (i: number) => number;
}) {
  const shown = shownLabels(labels.length);
  return (
    <g className="axes">
      {ticks.map((t) => {
        const y = M.top + PH - (t / yTop) * PH;
        return (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y} y2={y} className="grid-line" />
            <text x={M.left - 6} y={y + 4} textAnchor="end" className="tick">
              {format(t)}
            </text>
          </g>
        );
      })}
      <line x1={M.left} x2={W - M.right} y1={M.top + PH} y2={M.top + PH} className="axis-line" />
      {labels.map((l, i) =>
        shown.has(i) ? (
          <text
            key={l}
            x={Math.min(xOf(i), W - M.right)}
            y={M.top + PH + 16}
            textAnchor={xOf(i) + 20 > W - M.right ? "end" : "middle"}
            className="tick"
          >
            {l}
          </text>
        ) : null,
      )}
      <text x={M.left + PW / 2} y={H - 6} textAnchor="middle" className="axis-label">
        {xLabel}
      </text>
      <text
        x={14}
        y={M.top + PH / 2}
        textAnchor="middle"
        transform={`rotate(-90 14 ${M.top + PH / 2})`}
        className="axis-label"
      >
        {yLabel}
      </text>
    </g>
  );
}

function Legend({ series }: { series: readonly Series[] }) {
  if (series.length < 2) return null;
  return (
    <ul className="legend" aria-hidden="true">
      {series.map((s) => (
        <li key={s.key}>
          <span className="swatch" style={{ background: s.color }} />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function DataTable({
  title,
  labels,
  series,
  xLabel,
  format,
}: ChartProps & { format: (v: number) => string }) {
  // In a hidden div, not a hidden table: a table grows to its content whatever its box says.
  return (
    <div className="sr-only">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{xLabel}</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={l}>
              <th scope="row">{l}</th>
              {series.map((s) => {
                const v = s.values[i];
                return <td key={s.key}>{v === null || v === undefined ? "no data" : format(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Frame({ props, children }: { props: ChartProps; children: ReactNode }) {
  const id = useId();
  return (
    <figure className="chart" data-testid="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{props.title}</title>
        <desc id={`${id}-d`}>{props.desc}</desc>
        {children}
      </svg>
      <Legend series={props.series} />
      <DataTable {...props} format={props.format ?? plain} />
    </figure>
  );
}

/** Bars per label: side by side, or stacked (`stacked`) to show a total and its parts. */
export function BarChart(props: ChartProps & { stacked?: boolean }) {
  const { labels, series, stacked = false } = props;
  const format = props.format ?? plain;
  const totals = labels.map((_, i) =>
    stacked
      ? series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const ticks = niceTicks(Math.max(props.yMin ?? 0, ...totals), props.integers);
  const yTop = ticks.at(-1) ?? 1;
  const band = PW / Math.max(1, labels.length);
  const gap = Math.min(band * 0.2, 8);
  const xOf = (i: number) => M.left + band * i + band / 2;
  const h = (v: number) => (v / yTop) * PH;
  return (
    <Frame props={props}>
      <Axes {...props} ticks={ticks} yTop={yTop} format={format} xOf={xOf} />
      {labels.map((l, i) => {
        let base = M.top + PH;
        const width = stacked ? band - gap : (band - gap) / Math.max(1, series.length);
        return (
          <g key={l}>
            {series.map((s, k) => {
              const v = s.values[i] ?? 0;
              if (v <= 0) return null;
              const x = stacked ? M.left + band * i + gap / 2 : M.left + band * i + gap / 2 + k * width;
              const y = stacked ? base - h(v) : M.top + PH - h(v);
              if (stacked) base -= h(v);
              return (
                <rect key={s.key} x={x} y={y} width={Math.max(1, width)} height={h(v)} fill={s.color}>
                  <title>{`${l}, ${s.label}: ${format(v)}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </Frame>
  );
}

/** Lines over the labels; a null value breaks the line (and a lone point is drawn as a dot). */
export function LineChart(props: ChartProps) {
  const { labels, series } = props;
  const format = props.format ?? plain;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(Math.max(props.yMin ?? 0, ...all), props.integers);
  const yTop = ticks.at(-1) ?? 1;
  const step = labels.length > 1 ? PW / (labels.length - 1) : 0;
  const xOf = (i: number) => (labels.length > 1 ? M.left + step * i : M.left + PW / 2);
  const yOf = (v: number) => M.top + PH - (v / yTop) * PH;
  return (
    <Frame props={props}>
      <Axes {...props} ticks={ticks} yTop={yTop} format={format} xOf={xOf} />
      {series.map((s) => {
        const runs: { i: number; v: number }[][] = [];
        let run: { i: number; v: number }[] = [];
        s.values.forEach((v, i) => {
          if (v === null) {
            if (run.length > 0) runs.push(run);
            run = [];
          } else run.push({ i, v });
        });
        if (run.length > 0) runs.push(run);
        return (
          <g key={s.key}>
            {runs.map((r) =>
              r.length === 1 ? null : (
                <polyline
                  key={r[0]?.i}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  points={r.map((p) => `${xOf(p.i)},${yOf(p.v)}`).join(" ")}
                />
              ),
            )}
            {runs.flat().map((p) => (
              <circle key={p.i} cx={xOf(p.i)} cy={yOf(p.v)} r={labels.length > 60 ? 1.5 : 3} fill={s.color}>
                <title>{`${labels[p.i] ?? ""}, ${s.label}: ${format(p.v)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </Frame>
  );
}
