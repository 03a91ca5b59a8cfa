import { useState } from "react";
import { Alert } from "../shared/Alert.js";
import { ApiError, type Client, type Session } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";

interface NoticesBody {
  status: string;
  notices: {
    actionId: string;
    kind: string;
    at: string;
    text: string;
    reason: string;
    appealable: boolean;
    appeal?: { decision?: string };
  }[];
  clarifications: {
    id: string;
    question: string;
    deadline: string;
    answer?: string;
    awaitingAnswer: boolean;
  }[];
}

function Answer({ api, id, onDone }: { api: Client; id: string; onDone: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void api
          .post(`/v1/clarifications/${encodeURIComponent(id)}/answer`, { answer: text })
          .then(onDone, (err: unknown) => setError(err instanceof ApiError ? err.message : String(err)));
      }}
    >
      <label>
        Your answer
        <textarea required value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" disabled={text.trim() === ""}>
        Send answer
      </button>
      <Alert error={error} />
    </form>
  );
}

function AppealForm({ api, actionId, onDone }: { api: Client; actionId: string; onDone: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void api
          .post("/v1/appeals", { actionId, statement: text })
          .then(onDone, (err: unknown) => setError(err instanceof ApiError ? err.message : String(err)));
      }}
    >
      <label>
        Why this decision is wrong
        <textarea required value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" disabled={text.trim().length < 3}>
        Appeal
      </button>
      <Alert error={error} />
    </form>
  );
}

/** What trust & safety did about this user: questions to answer, warnings, sanctions, appeals. */
export function Notices({ api, me }: { api: Client; me: Session }) {
  const data = useLoad(
    () => api.get<NoticesBody>(`/v1/accounts/${encodeURIComponent(me.accountId)}/notices`),
    [me.accountId],
  );
  const d = data.data;
  return (
    <main>
      <h1>Notices</h1>
      {data.error !== undefined && <p className="error">{data.error.message}</p>}
      {d !== undefined && d.status !== "active" && (
        <p className="notice">
          Your account is <b>{d.status}</b>.
        </p>
      )}
      {(d?.clarifications ?? []).map((c) => (
        <section key={c.id} className="card" aria-label="Question from trust & safety">
          <h2>A question from our trust & safety team</h2>
          <p>{c.question}</p>
          <p className="muted">Answer by {new Date(c.deadline).toLocaleString()}.</p>
          {c.awaitingAnswer ? (
            <Answer api={api} id={c.id} onDone={data.reload} />
          ) : (
            <p>{c.answer !== undefined ? `You answered: “${c.answer}”` : "The deadline has passed."}</p>
          )}
        </section>
      ))}
      {(d?.notices ?? [])
        .filter((n) => n.kind !== "clarify")
        .map((n) => (
          <section key={n.actionId} className="card" aria-label={`Notice: ${n.kind}`}>
            <p>
              <b>{n.text}</b>
            </p>
            <p className="muted">
              {new Date(n.at).toLocaleString()}: {n.reason}
            </p>
            {n.appeal !== undefined ? (
              <p>Appeal: {n.appeal.decision ?? "pending"}</p>
            ) : n.appealable ? (
              <AppealForm api={api} actionId={n.actionId} onDone={data.reload} />
            ) : null}
          </section>
        ))}
      {d !== undefined && d.notices.length === 0 && d.clarifications.length === 0 && (
        <p className="muted">Nothing here. Thank you for keeping work on the platform.</p>
      )}
    </main>
  );
}
