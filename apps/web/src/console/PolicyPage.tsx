// Types only: erased at build time, so the engine is not in the console's first load.
import type * as Detect from "@leakguard/detect";
import type { Policy, ScanResult, Stage } from "@leakguard/detect";
import { useEffect, useState } from "react";
import type { Client } from "../shared/api.js";
import { Highlighted } from "../shared/Highlighted.js";
import { useLoad } from "../shared/hooks.js";

interface PolicyBody {
  version: string;
  policy: Policy;
  rules: { id: string; forbids: string; actions: Record<Stage, string> }[];
  allowedRules: { id: string; allows: string }[];
  pairStates: { state: string; effect: string }[];
}

type Engine = typeof Detect;

const STAGE_NAMES: Record<Stage, string> = {
  pre_contract: "before a contract",
  contract_active: "during an active contract",
};
const ACTION_WORDS: Record<string, string> = {
  allow: "allowed (recorded)",
  nudge: "reminder before sending",
  mask: "delivered with the detail hidden",
  hold: "held for review",
};

/** The engine, loaded once, when the policy page first needs it (a chunk of its own, not in the first load). */
let enginePromise: Promise<Engine> | null = null;
const loadEngine = () => {
  enginePromise ??= import("@leakguard/detect");
  return enginePromise;
};

function TryMessage({ policy }: { policy: Policy }) {
  const [engine, setEngine] = useState<Engine | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [stage, setStage] = useState<Stage>("pre_contract");
  useEffect(() => {
    let live = true;
    loadEngine().then(
      (m) => live && setEngine(m),
      (e: unknown) => live && setFailed(String(e)),
    );
    return () => {
      live = false;
    };
  }, []);
  let result: ScanResult | null = null;
  let policyError: string | null = null;
  try {
    if (engine !== null && text.trim() !== "") result = engine.scan(text, { stage, policy });
  } catch (e) {
    // A malformed policy throws PolicyError naming the field: say so instead of breaking the page.
    policyError = e instanceof Error ? e.message : String(e);
  }
  return (
    <section className="card" aria-labelledby="try-h">
      <h2 id="try-h">Try a message</h2>
      <p className="muted">
        The engine runs here in your browser with the policy above, on this one message (the server also looks
        at the conversation before it and at the pair's state). Nothing is sent or stored.
      </p>
      <div className="row">
        <label>
          Stage
          <select value={stage} onChange={(e) => setStage(e.target.value as Stage)}>
            <option value="pre_contract">{STAGE_NAMES.pre_contract}</option>
            <option value="contract_active">{STAGE_NAMES.contract_active}</option>
          </select>
        </label>
      </div>
      <label>
        Message to try
        <textarea value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <div className="try-result" aria-live="polite" data-testid="try-result">
        {failed !== null ? (
          <p className="error">The engine could not be loaded: {failed}</p>
        ) : policyError !== null ? (
          <p className="error">The policy could not be used: {policyError}</p>
        ) : engine === null ? (
          <p className="muted">Loading the engine…</p>
        ) : result === null ? (
          <p className="muted">Type a message to see what the policy does with it.</p>
        ) : (
          <>
            <p>
              Verdict:{" "}
              <span className={`pill ${result.verdict}`} data-testid="try-verdict">
                {result.verdict}
              </span>{" "}
              {ACTION_WORDS[result.verdict]}
              {result.rules.length > 0 && <> · rules {result.rules.join(", ")}</>}
            </p>
            <p>
              <Highlighted text={text} findings={result.findings} />
            </p>
            {result.findings.length > 0 && (
              <ul>
                {result.findings.map((f) => (
                  <li key={`${f.start}-${f.end}-${f.rule}`}>
                    <b>{f.rule}</b> {f.kind.replaceAll("_", " ")}: “{text.slice(f.start, f.end)}” (confidence{" "}
                    {f.confidence.toFixed(2)})
                  </li>
                ))}
              </ul>
            )}
            {result.verdict === "mask" && <p className="muted">The recipient would see: {result.masked}</p>}
            {result.error !== undefined && <p className="error">{result.error.message}</p>}
          </>
        )}
      </div>
    </section>
  );
}

interface ShadowBody {
  livePolicy: string;
  candidatePolicy: string | null;
  total: number;
  agree: number;
  byDirection: { live: string; candidate: string; count: number }[];
  examples: { messageId: string; live: string; candidate: string; rules: string[]; at: string }[];
}

/** Shadow mode: where a candidate policy, run beside the live one and never enforced, would have judged otherwise. */
function ShadowSection({ api }: { api: Client }) {
  const shadow = useLoad(() => api.get<ShadowBody>("/v1/shadow?days=30"), []);
  const s = shadow.data;
  if (s === undefined) return null;
  return (
    <section className="card" aria-labelledby="shadow-h">
      <h2 id="shadow-h">Shadow mode: a candidate beside the live rules (last 30 days)</h2>
      {s.candidatePolicy === null && s.total === 0 ? (
        <p className="muted">
          No candidate policy runs now. Start the server with LEAKGUARD_SHADOW_POLICY_FILE to judge every
          message with a candidate too, without enforcing it.
        </p>
      ) : (
        <>
          <p>
            <code>{s.candidatePolicy ?? "a past candidate"}</code> beside <code>{s.livePolicy}</code>:{" "}
            <b data-testid="shadow-agree">{s.agree}</b> of {s.total} messages judged alike
            {s.total > 0 && ` (${Math.round((100 * s.agree) / s.total)}%)`}.
          </p>
          <ul>
            {s.byDirection.map((d) => (
              <li key={`${d.live}-${d.candidate}`}>
                {d.live} → {d.candidate}: {d.count}
              </li>
            ))}
          </ul>
          {s.examples.length > 0 && (
            <details>
              <summary>Latest disagreements</summary>
              <ul>
                {s.examples.map((e) => (
                  <li key={e.messageId}>
                    <code>{e.messageId}</code>: {e.live} → {e.candidate} ({e.rules.join(", ")})
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}

/** The policy in force, in words, and a box to try a message against it with the engine in the browser. */
export function PolicyPage({ api }: { api: Client }) {
  const body = useLoad(() => api.get<PolicyBody>("/v1/policy"), []);
  const p = body.data;
  if (body.error !== undefined)
    return (
      <main>
        <p className="error">{body.error.message}</p>
      </main>
    );
  if (p === undefined)
    return (
      <main>
        <p className="muted">Loading…</p>
      </main>
    );
  const list = (hosts: readonly string[]) =>
    hosts.length === 0 ? "none beyond the built-in list" : hosts.join(", ");
  return (
    <main>
      <h1>Policy</h1>
      <p className="muted">
        Version <code data-testid="policy-version">{p.version}</code>: every message is screened with it
        before it is delivered.
      </p>
      <section className="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Rules and what happens at each stage</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">What it forbids</th>
                <th scope="col">{STAGE_NAMES.pre_contract}</th>
                <th scope="col">{STAGE_NAMES.contract_active}</th>
              </tr>
            </thead>
            <tbody>
              {p.rules.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{r.id}</th>
                  <td>{r.forbids}</td>
                  {(["pre_contract", "contract_active"] as const).map((s) => (
                    <td key={s}>
                      <span className={`pill ${r.actions[s]}`}>{r.actions[s]}</span>{" "}
                      <small className="muted">{ACTION_WORDS[r.actions[s]]}</small>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>Found and allowed</h3>
        <ul>
          {p.allowedRules.map((r) => (
            <li key={r.id}>
              <b>{r.id}</b>: {r.allows}
            </li>
          ))}
        </ul>
        <h3>How a pair's state changes it</h3>
        <ul>
          {p.pairStates.map((s) => (
            <li key={s.state}>
              <b>{s.state}</b>: {s.effect}
            </li>
          ))}
        </ul>
      </section>
      <div className="grid">
        <section className="card" aria-labelledby="thresholds-h">
          <h2 id="thresholds-h">Thresholds and limits</h2>
          <dl className="facts">
            <dt>A detail gets its rule's action from confidence</dt>
            <dd>{p.policy.thresholds.detail}</dd>
            <dt>Between this and that, only a reminder</dt>
            <dd>{p.policy.thresholds.lowConfidence}</dd>
            <dt>Longest message</dt>
            <dd>{p.policy.maxMessageLength.toLocaleString("en")} characters (longer is held)</dd>
            <dt>Messages joined to find split details</dt>
            <dd>{p.policy.conversation.assemblyWindow} per sender</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="allow-h">
          <h2 id="allow-h">Allowlists and placeholders</h2>
          <dl className="facts">
            <dt>Work-artifact hosts (A1)</dt>
            <dd>{list(p.policy.artifactHosts)}</dd>
            <dt>Extra contact-channel hosts</dt>
            <dd>{list(p.policy.contactHosts)}</dd>
            <dt>A hidden contact detail reads</dt>
            <dd>{p.policy.placeholders.contact}</dd>
            <dt>A hidden payment detail reads</dt>
            <dd>{p.policy.placeholders.payment}</dd>
          </dl>
        </section>
      </div>
      <ShadowSection api={api} />
      <TryMessage policy={p.policy} />
    </main>
  );
}
