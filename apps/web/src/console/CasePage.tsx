import { CLARIFICATION_TEMPLATE } from "@leakguard/trust/texts";
import { type FormEvent, useState } from "react";
import { Alert } from "../shared/Alert.js";
import { ApiError, type Client, newKey, type Session } from "../shared/api.js";
import { Highlighted } from "../shared/Highlighted.js";
import { useLoad } from "../shared/hooks.js";
import { money } from "../shared/money.js";

interface Finding {
  rule: string;
  kind: string;
  start: number;
  end: number;
  value?: string;
  assembled?: boolean;
}
interface Message {
  id: string;
  relationshipId: string;
  text: string;
  shownText?: string;
  verdict: string;
  delivery: string;
  sentAt: string;
  findings?: Finding[];
  /** The caller lacks read_originals: `text` hides the details the engine found. */
  originalHidden?: true;
  /** Retention erased the original: `text` is what was shown. */
  erasedAt?: string;
}
interface Action {
  id: string;
  kind: string;
  reason: string;
  actorId: string | null;
  at: string;
  details: Record<string, unknown>;
}
interface CaseDetail {
  id: string;
  subjectId: string;
  status: string;
  urgency: number;
  priority: number;
  openedBecause: string;
  openedAt: string;
  assigneeId?: string;
  resolution?: string;
  risk: {
    score: number;
    top: { signal: string; points: number; occurrences: number; explanation: string }[];
  };
  linked: { accountId: string; shared: { kind: string; hashPrefix: string }[] }[];
  messages: Message[];
  contracts: {
    id: string;
    kind: string;
    clientId: string;
    freelancerId: string;
    currency: string;
    inEscrow: string;
    protectionVoid: boolean;
    ended: boolean;
    releasesFrozen: boolean;
    releasesWait: boolean;
  }[];
  actions: Action[];
  clarifications: { id: string; question: string; deadline: string; answer?: string; lapsedAt?: string }[];
  appeals: { id: string; actionId: string; statement: string; decision?: string }[];
  timeline: { id: string; at: string; actorId: string | null; event: string; reason: string }[];
  money: { transferId: string; from: string; to: string; amount: string; currency: string; at: string }[];
}

const KINDS = [
  ["clarify", "Seek clarification"],
  ["warn", "Warn"],
  ["restrict", "Restrict messaging"],
  ["suspend", "Suspend"],
  ["remove", "Remove"],
  ["confirm_off_platform", "Confirm off-platform payment"],
  ["release_message", "Release held message"],
  ["reject_message", "Reject held message"],
  ["dismiss", "Dismiss"],
] as const;

function ActionForm({ api, c, onDone }: { api: Client; c: CaseDetail; onDone: (note: string) => void }) {
  const [kind, setKind] = useState<string>("clarify");
  const [reason, setReason] = useState("");
  const [warningKind, setWarningKind] = useState("off_platform_payment");
  const [defaultOutcome, setDefaultOutcome] = useState("warn");
  const [question, setQuestion] = useState(CLARIFICATION_TEMPLATE);
  const [days, setDays] = useState(3);
  const held = c.messages.filter((m) => m.delivery === "held");
  const [messageId, setMessageId] = useState(held[0]?.id ?? "");
  const [contractId, setContractId] = useState(c.contracts[0]?.id ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { kind, reason };
    if (kind === "warn") body.warningKind = warningKind;
    if (kind === "clarify")
      Object.assign(body, {
        question,
        defaultOutcome,
        warningKind,
        deadline: new Date(Date.now() + days * 86_400_000).toISOString(),
      });
    if (kind === "release_message" || kind === "reject_message") body.messageId = messageId;
    if (kind === "confirm_off_platform") body.contractId = contractId;
    try {
      const done = await api.post<{ action: Action; followUps: Action[] }>(
        `/v1/cases/${encodeURIComponent(c.id)}/actions`,
        body,
        newKey(),
      );
      setReason("");
      onDone(
        `${done.action.kind.replaceAll("_", " ")} recorded${done.followUps.map((f) => `; then ${f.kind} (${f.reason})`).join("")}`,
      );
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} (${err.code})` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="Act on this case">
      <h2>Act</h2>
      <div className="row">
        <label>
          Action
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {(kind === "warn" || kind === "clarify") && (
          <label>
            Warning kind
            <select value={warningKind} onChange={(e) => setWarningKind(e.target.value)}>
              <option value="off_platform_payment">off-platform payment</option>
              <option value="contact_details">contact details</option>
              <option value="off_platform_work">off-platform work</option>
              <option value="other">other</option>
            </select>
          </label>
        )}
        {kind === "clarify" && (
          <>
            <label>
              If unanswered
              <select value={defaultOutcome} onChange={(e) => setDefaultOutcome(e.target.value)}>
                <option value="warn">warn</option>
                <option value="dismiss">dismiss</option>
                <option value="restrict">restrict</option>
                <option value="suspend">suspend</option>
              </select>
            </label>
            <label>
              Deadline (days)
              <input
                type="number"
                min={1}
                max={90}
                value={days}
                onChange={(e) => setDays(Number(e.target.value))}
              />
            </label>
          </>
        )}
        {(kind === "release_message" || kind === "reject_message") && (
          <label>
            Held message
            <select value={messageId} onChange={(e) => setMessageId(e.target.value)}>
              {held.length === 0 && <option value="">no held message</option>}
              {held.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.text.slice(0, 60)}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === "confirm_off_platform" && (
          <label>
            Contract
            <select value={contractId} onChange={(e) => setContractId(e.target.value)}>
              {c.contracts.length === 0 && <option value="">no contract</option>}
              {c.contracts.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.id} ({k.kind})
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {kind === "clarify" && (
        <label>
          Question to the user
          <textarea value={question} onChange={(e) => setQuestion(e.target.value)} />
        </label>
      )}
      <label>
        Reason (required, kept in the audit log)
        <textarea
          name="reason"
          required
          minLength={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <p>
        <button type="submit" disabled={busy || reason.trim().length < 3}>
          Record action
        </button>
      </p>
      <Alert error={error} />
    </form>
  );
}

/** One case: the subject's risk and the evidence, the actions, the audit log. */
export function CasePage({ api, me, caseId }: { api: Client; me: Session; caseId: string }) {
  const detail = useLoad(() => api.get<CaseDetail>(`/v1/cases/${encodeURIComponent(caseId)}`), [caseId]);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const c = detail.data;
  if (detail.error !== undefined)
    return (
      <main>
        <p className="error">{detail.error.message}</p>
      </main>
    );
  if (c === undefined)
    return (
      <main>
        <p className="muted">Loading…</p>
      </main>
    );
  const claim = async (what: "claim" | "release") => {
    setError(null);
    try {
      await api.post(`/v1/cases/${encodeURIComponent(c.id)}/${what}`);
      detail.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main>
      <p>
        <a href="#/">← Queue</a>
      </p>
      <h1>
        Case about {c.subjectId} <span className={`pill ${c.status}`}>{c.status}</span>
      </h1>
      <p className="muted">
        Opened because of a {c.openedBecause.replaceAll("_", " ")} on {new Date(c.openedAt).toLocaleString()}
        {", "}urgency {c.urgency}. {c.assigneeId === undefined ? "Unclaimed." : `Claimed by ${c.assigneeId}.`}{" "}
        {c.resolution !== undefined && `Closed: ${c.resolution}.`}
      </p>
      {c.status !== "closed" && c.assigneeId === undefined && (
        <button type="button" onClick={() => void claim("claim")}>
          Claim this case
        </button>
      )}
      {c.assigneeId === me.accountId && c.status !== "closed" && (
        <button type="button" className="secondary" onClick={() => void claim("release")}>
          Release
        </button>
      )}
      {note !== null && (
        <p className="success" role="status">
          {note}
        </p>
      )}
      <Alert error={error} />
      <div className="grid">
        <section className="card" aria-labelledby="risk-h">
          <h2 id="risk-h">Risk</h2>
          <div className="score" data-testid="risk-score">
            {c.risk.score}
          </div>
          <ul>
            {c.risk.top.map((s) => (
              <li key={s.signal}>
                <b>{s.signal.replaceAll("_", " ")}</b> ({s.points} points, {s.occurrences}×): {s.explanation}
              </li>
            ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="linked-h">
          <h2 id="linked-h">Linked accounts</h2>
          {c.linked.length === 0 ? (
            <p className="muted">No other account shares a handle with {c.subjectId}.</p>
          ) : (
            <ul>
              {c.linked.map((l) => (
                <li key={l.accountId}>
                  {l.accountId}: {l.shared.map((s) => `${s.kind} #${s.hashPrefix}…`).join(", ")}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {c.status !== "closed" && (
        <ActionForm
          api={api}
          c={c}
          onDone={(text) => {
            setNote(text);
            detail.reload();
          }}
        />
      )}
      <section className="card" aria-labelledby="msg-h">
        <h2 id="msg-h">Flagged messages</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Verdict</th>
                <th scope="col">Original (detected spans marked)</th>
                <th scope="col">What the recipient sees</th>
              </tr>
            </thead>
            <tbody>
              {c.messages.map((m) => (
                <tr key={m.id}>
                  <td>
                    <span className={`pill ${m.verdict}`}>{m.verdict}</span>{" "}
                    <span className={`pill ${m.delivery}`}>{m.delivery}</span>
                    <br />
                    <small className="muted">{new Date(m.sentAt).toLocaleString()}</small>
                  </td>
                  <td>
                    {m.originalHidden === true || m.erasedAt !== undefined ? (
                      // Spans index the original: on a text with details hidden they would mark the wrong letters.
                      <>
                        {m.text}
                        <div className="notice">
                          {m.erasedAt !== undefined
                            ? `Original erased (retention) on ${new Date(m.erasedAt).toLocaleDateString()}.`
                            : "Original hidden: you lack the scope to read originals (read_originals)."}
                        </div>
                      </>
                    ) : (
                      <Highlighted text={m.text} findings={m.findings ?? []} />
                    )}
                    {(m.findings ?? [])
                      .filter((f) => f.assembled === true && f.value !== undefined)
                      .map((f) => (
                        <div key={`${f.kind}-${f.start}`} className="notice">
                          Assembled across messages ({f.kind}): <code>{f.value}</code>
                        </div>
                      ))}
                  </td>
                  <td>
                    {m.delivery === "delivered" ? (
                      m.shownText
                    ) : (
                      <span className="muted">nothing (not delivered)</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="contracts-h">
        <h2 id="contracts-h">Contracts and escrow</h2>
        {c.contracts.length === 0 ? (
          <p className="muted">No contracts.</p>
        ) : (
          <ul>
            {c.contracts.map((k) => (
              <li key={k.id}>
                {k.id} ({k.kind}, {k.clientId} → {k.freelancerId}): {money(k.inEscrow, k.currency)} in escrow
                {k.protectionVoid && <span className="pill bad"> protection void</span>}
                {k.ended && <span className="pill"> ended</span>}
                {k.releasesFrozen && <span className="pill bad"> releases frozen</span>}
                {!k.releasesFrozen && k.releasesWait && <span className="pill warn"> releases wait</span>}
              </li>
            ))}
          </ul>
        )}
        {c.money.length > 0 && (
          <details>
            <summary>Money moved ({c.money.length} transfers)</summary>
            <ul>
              {c.money.map((t) => (
                <li key={t.transferId}>
                  {new Date(t.at).toLocaleString()}: {money(t.amount, t.currency)} {t.from} → {t.to}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
      <section className="card" aria-labelledby="actions-h">
        <h2 id="actions-h">Actions, questions and appeals</h2>
        <ul>
          {c.actions.map((a) => (
            <li key={a.id}>
              {new Date(a.at).toLocaleString()}: <b>{a.kind.replaceAll("_", " ")}</b> by{" "}
              {a.actorId ?? "the platform"}: {a.reason}
            </li>
          ))}
          {c.clarifications.map((q) => (
            <li key={q.id}>
              Question (due {new Date(q.deadline).toLocaleString()}):{" "}
              {q.answer !== undefined ? (
                <>answered: “{q.answer}”</>
              ) : q.lapsedAt !== undefined ? (
                "unanswered, lapsed"
              ) : (
                "waiting"
              )}
            </li>
          ))}
          {c.appeals.map((p) => (
            <li key={p.id}>
              Appeal of {p.actionId}: “{p.statement}” — {p.decision ?? "pending"}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="audit-h">
        <h2 id="audit-h">Timeline (audit log)</h2>
        <ol>
          {c.timeline.map((e) => (
            <li key={e.id}>
              {new Date(e.at).toLocaleString()}: {e.event} by {e.actorId ?? "the platform"}
              {e.reason !== "" && <>: {e.reason}</>}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
