/**
 * A normalized view of a message: a string plus, for every UTF-16 unit of it,
 * the span of the ORIGINAL text it came from. Every finding is computed on a
 * view and mapped back through these arrays, so spans always point into what
 * the user typed (obscenity's transformed-to-original index map, generalised
 * to views built from views).
 */
export interface View {
  readonly text: string;
  /** origStart[i]: original offset where the unit at i begins. */
  readonly origStart: Int32Array;
  /** origEnd[i]: original offset just past the source of the unit at i. */
  readonly origEnd: Int32Array;
}

/** Maps a half-open span of a view to the original text. */
export function toOriginal(view: View, start: number, end: number): [number, number] {
  if (end <= start) {
    const at = start < view.text.length ? (view.origStart[start] ?? 0) : lastEnd(view);
    return [at, at];
  }
  return [view.origStart[start] ?? 0, view.origEnd[end - 1] ?? lastEnd(view)];
}

function lastEnd(view: View): number {
  return view.text.length > 0 ? (view.origEnd[view.text.length - 1] ?? 0) : 0;
}

/** Appends units with their original spans; builds a View in one pass. */
export class ViewBuilder {
  private parts: string[] = [];
  private length = 0;
  private starts: Int32Array;
  private ends: Int32Array;

  constructor(capacityHint: number) {
    const capacity = Math.max(16, capacityHint);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Appends `s`; every unit of it maps to the original span [origStart, origEnd). */
  push(s: string, origStart: number, origEnd: number): void {
    const n = s.length;
    if (n === 0) return;
    this.reserve(n);
    for (let k = 0; k < n; k++) {
      this.starts[this.length + k] = origStart;
      this.ends[this.length + k] = origEnd;
    }
    this.parts.push(s);
    this.length += n;
  }

  /** Appends the units [from, to) of another view, keeping their original spans. */
  copy(view: View, from: number, to: number): void {
    if (to <= from) return;
    const n = to - from;
    this.reserve(n);
    this.starts.set(view.origStart.subarray(from, to), this.length);
    this.ends.set(view.origEnd.subarray(from, to), this.length);
    this.parts.push(view.text.slice(from, to));
    this.length += n;
  }

  build(): View {
    return {
      text: this.parts.join(""),
      origStart: this.starts.subarray(0, this.length),
      origEnd: this.ends.subarray(0, this.length),
    };
  }

  private reserve(n: number): void {
    if (this.length + n <= this.starts.length) return;
    const capacity = Math.max(this.starts.length * 2, this.length + n);
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    starts.set(this.starts.subarray(0, this.length));
    ends.set(this.ends.subarray(0, this.length));
    this.starts = starts;
    this.ends = ends;
  }
}

/** Shared, read-only identity maps: most messages are plain ASCII and need no map of their own. */
let identityStarts = new Int32Array(0);
let identityEnds = new Int32Array(0);

/** A view of the original text that is the text itself. */
export function identityView(text: string): View {
  const n = text.length;
  if (identityStarts.length < n) {
    const capacity = Math.max(n, identityStarts.length * 2, 1024);
    identityStarts = new Int32Array(capacity);
    identityEnds = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) {
      identityStarts[i] = i;
      identityEnds[i] = i + 1;
    }
  }
  return { text, origStart: identityStarts.subarray(0, n), origEnd: identityEnds.subarray(0, n) };
}
