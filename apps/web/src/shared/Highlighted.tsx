import type { ReactNode } from "react";

/** A span the engine found: which rule, what kind, and where (UTF-16 offsets into the text as typed). */
export interface Span {
  rule: string;
  kind: string;
  start: number;
  end: number;
}

/** The original text with the engine's findings marked (overlapping or out-of-range spans are skipped). */
export function Highlighted({ text, findings }: { text: string; findings: readonly Span[] }) {
  const spans = [...findings].sort((a, b) => a.start - b.start);
  const parts: ReactNode[] = [];
  let at = 0;
  for (const f of spans) {
    if (f.start < at || f.end > text.length) continue;
    if (f.start > at) parts.push(text.slice(at, f.start));
    parts.push(
      <mark key={`${f.start}-${f.end}`} title={`${f.rule} ${f.kind}`}>
        {text.slice(f.start, f.end)}
      </mark>,
    );
    at = f.end;
  }
  parts.push(text.slice(at));
  return <span>{parts}</span>;
}
