import { useState } from "react";
import { Alert } from "../shared/Alert.js";
import { ApiError, type Client, type Session } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";

interface Appeal {
  id: string;
  actionId: string;
  appellantId: string;
  statement: string;
  filedAt: string;
  decision?: string;
  decidedBy?: string;
}

function Decide({ api, appeal, onDone }: { api: Client; appeal: Appeal; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const decide = async (decision: "upheld" | "overturned") => {
    setError(null);
    try {
      await api.post(`/v1/appeals/${encodeURIComponent(appeal.id)}/decision`, { decision, reason });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div>
      <label>
        Reason for the decision
        <textarea value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <div className="row">
        <button type="button" disabled={reason.trim().length < 3} onClick={() => void decide("upheld")}>
          Uphold
        </button>
        <button
          type="button"
          className="secondary"
          disabled={reason.trim().length < 3}
          onClick={() => void decide("overturned")}
        >
          Overturn
        </button>
      </div>
      <Alert error={error} />
    </div>
  );
}

/** Pending appeals, oldest first; an agent other than the one who acted decides. */
export function Appeals({ api }: { api: Client; me: Session }) {
  const [all, setAll] = useState(false);
  const list = useLoad(
    () => api.get<{ appeals: Appeal[] }>(`/v1/appeals?status=${all ? "all" : "pending"}`),
    [all],
  );
  return (
    <main>
      <h1>Appeals</h1>
      <label className="row">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show decided
        appeals too
      </label>
      {list.error !== undefined && <p className="error">{list.error.message}</p>}
      {(list.data?.appeals ?? []).map((a) => (
        <section key={a.id} className="card" aria-label={`Appeal by ${a.appellantId}`}>
          <p>
            <b>{a.appellantId}</b> appeals action <code>{a.actionId}</code> (
            {new Date(a.filedAt).toLocaleString()}):
          </p>
          <blockquote>{a.statement}</blockquote>
          {a.decision === undefined ? (
            <Decide api={api} appeal={a} onDone={list.reload} />
          ) : (
            <p>
              <span className={`pill ${a.decision === "upheld" ? "warn" : "ok"}`}>{a.decision}</span> by{" "}
              {a.decidedBy}
            </p>
          )}
        </section>
      ))}
      {list.data?.appeals.length === 0 && <p className="muted">No appeals to decide.</p>}
    </main>
  );
}
