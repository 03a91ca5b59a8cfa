// Scoring of `leakguard scan` output against a labelled corpus (format: corpus/dev/README.md).
// Shared by `npm run eval` (scripts/eval.mjs) and the quality test (tests/quality.test.ts).

/** Phone-like values match when their national numbers agree: phone:447700900418 ~ phone:07700900418. */
export function handleMatches(a, b) {
  if (a === b) return true;
  const [ka, va] = splitHandle(a);
  const [kb, vb] = splitHandle(b);
  if (ka !== kb || !/^\d+$/.test(va) || !/^\d+$/.test(vb)) return false;
  const na = va.replace(/^0+/, "");
  const nb = vb.replace(/^0+/, "");
  const [long, short] = na.length >= nb.length ? [na, nb] : [nb, na];
  return short.length >= 6 && long.endsWith(short) && long.length - short.length <= 3;
}

function splitHandle(h) {
  const i = h.indexOf(":");
  return [h.slice(0, i), h.slice(i + 1)];
}

function matchHandles(gold, pred) {
  const used = new Set();
  let tp = 0;
  for (const g of gold) {
    const i = pred.findIndex((p, k) => !used.has(k) && handleMatches(g, p));
    if (i >= 0) {
      used.add(i);
      tp++;
    }
  }
  return { tp, fp: pred.length - tp, fn: gold.length - tp };
}

const ratio = (a, b) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
const f1 = (p, r) =>
  p === null || r === null || p + r === 0 ? null : Math.round(((2 * p * r) / (p + r)) * 1000) / 1000;

/** gold: corpus message lines; pred: output lines of `leakguard scan`, matched by id. */
export function scoreMessages(gold, pred) {
  const byId = new Map(pred.map((p) => [p.id, p]));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const h = { tp: 0, fp: 0, fn: 0 };
  const perRule = {};
  const perObfuscation = {};
  const perLanguage = {};
  const misses = [];
  const bump = (table, key, hit) => {
    table[key] ??= { n: 0, hit: 0 };
    table[key].n++;
    if (hit) table[key].hit++;
  };
  for (const g of gold) {
    const p = byId.get(g.id);
    const predicted = p?.violation === true;
    if (g.violation && predicted) tp++;
    else if (g.violation) fn++;
    else if (predicted) fp++;
    else tn++;
    const m = matchHandles(g.handles, p?.handles ?? []);
    h.tp += m.tp;
    h.fp += m.fp;
    h.fn += m.fn;
    for (const r of g.rules)
      if (["P1", "P2", "C1", "C2"].includes(r)) bump(perRule, r, (p?.rules ?? []).includes(r));
    if (g.violation) for (const o of g.obfuscation ?? []) bump(perObfuscation, o, predicted);
    bump(perLanguage, g.lang, g.violation === predicted);
    if (g.violation !== predicted || m.fp + m.fn > 0)
      misses.push({
        id: g.id,
        stage: g.stage,
        gold: g.violation,
        pred: predicted,
        goldHandles: g.handles,
        predHandles: p?.handles,
        text: g.text,
      });
  }
  const table = (t) =>
    Object.fromEntries(
      Object.entries(t)
        .sort()
        .map(([k, v]) => [k, `${ratio(v.hit, v.n)} (${v.hit}/${v.n})`]),
    );
  const handlePrecision = ratio(h.tp, h.tp + h.fp);
  const handleRecall = ratio(h.tp, h.tp + h.fn);
  return {
    report: {
      count: gold.length,
      recall: ratio(tp, tp + fn),
      false_positive_rate: ratio(fp, fp + tn),
      precision: ratio(tp, tp + fp),
      handle_precision: handlePrecision,
      handle_recall: handleRecall,
      handle_f1: f1(handlePrecision, handleRecall),
      recall_per_rule: table(perRule),
      recall_per_obfuscation: table(perObfuscation),
      accuracy_per_language: table(perLanguage),
    },
    misses,
  };
}

/** gold: corpus conversation lines; pred: output lines of `leakguard scan`, matched by id. */
export function scoreConversations(gold, pred) {
  const byId = new Map(pred.map((p) => [p.id, p]));
  let correct = 0;
  let firstExact = 0;
  const h = { tp: 0, fp: 0, fn: 0 };
  const misses = [];
  for (const g of gold) {
    const p = byId.get(g.id);
    if (p?.violation === g.violation) correct++;
    if ((p?.first_violating_index ?? null) === g.first_violating_index) firstExact++;
    else
      misses.push({
        id: g.id,
        gold: g.first_violating_index,
        pred: p?.first_violating_index,
        goldHandles: g.handles,
        predHandles: p?.handles,
      });
    const m = matchHandles(g.handles, p?.handles ?? []);
    h.tp += m.tp;
    h.fp += m.fp;
    h.fn += m.fn;
  }
  return {
    report: {
      count: gold.length,
      violation_accuracy: ratio(correct, gold.length),
      first_violating_index_exact: ratio(firstExact, gold.length),
      handle_recall: ratio(h.tp, h.tp + h.fn),
      handle_precision: ratio(h.tp, h.tp + h.fp),
    },
    misses,
  };
}

/** The targets on the development corpus. */
export const TARGETS = [
  ["recall >= 0.97", (r) => r.messages.recall >= 0.97],
  ["false-positive rate <= 0.01", (r) => r.messages.false_positive_rate <= 0.01],
  ["handle F1 >= 0.95", (r) => r.messages.handle_f1 >= 0.95],
  ["first index exact >= 0.95", (r) => r.conversations.first_violating_index_exact >= 0.95],
];
