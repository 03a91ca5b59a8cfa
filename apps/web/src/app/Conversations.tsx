import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, type Client, newKey, type Session } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";
import { DEFAULT_WINDOW_MONTHS, judgeDraft, type LiveVerdict, type PairFacts } from "./live.js";

interface Pair {
  id: string;
  clientId: string;
  freelancerId: string;
  identifiedAt: string;
}
interface Message {
  id: string;
  senderId: string;
  text: string;
  verdict: string;
  delivery: string;
  sentAt: string;
  explanations?: { rule: string; message: string }[];
}
interface Contract {
  clientId: string;
  freelancerId: string;
  kind: "fixed_price" | "hourly";
  milestones: { status: string }[];
  endedAt?: string;
}

/** The user's conversations, and a form to write to someone new. */
export function Conversations({ api, me }: { api: Client; me: Session }) {
  const pairs = useLoad(
    () =>
      api.get<{ relationships: Pair[] }>(`/v1/accounts/${encodeURIComponent(me.accountId)}/relationships`),
    [me.accountId],
  );
  const [to, setTo] = useState("");
  const open = (e: FormEvent) => {
    e.preventDefault();
    // A pair is formed by the first message; until then the conversation is addressed by the other's id.
    window.location.hash = `/conversations/new:${encodeURIComponent(to.trim())}`;
  };
  return (
    <main>
      <h1>Conversations</h1>
      {pairs.error !== undefined && <p className="error">{pairs.error.message}</p>}
      <ul>
        {(pairs.data?.relationships ?? []).map((p) => {
          const other = p.clientId === me.accountId ? p.freelancerId : p.clientId;
          return (
            <li key={p.id}>
              <a href={`#/conversations/${encodeURIComponent(p.id)}`}>with {other}</a>{" "}
              <span className="muted">since {new Date(p.identifiedAt).toLocaleDateString()}</span>
            </li>
          );
        })}
      </ul>
      <form className="card row" onSubmit={open} aria-label="Start a conversation">
        <label>
          Write to (account id)
          <input required value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
    </main>
  );
}

const REASONS = [
  ["off_platform_payment", "asks to pay or be paid outside"],
  ["contact_details", "shares or asks for contact details"],
  ["off_platform_work", "wants to work outside"],
  ["other", "something else"],
] as const;

function ReportButton({ api, messageId }: { api: Client; messageId: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<string>("off_platform_payment");
  const [done, setDone] = useState<string | null>(null);
  if (done !== null) return <small className="muted">{done}</small>;
  if (!open)
    return (
      <button
        type="button"
        className="secondary"
        onClick={() => setOpen(true)}
        aria-label="Report this message"
      >
        Report
      </button>
    );
  return (
    <span className="row">
      <label>
        Why
        <select value={reason} onChange={(e) => setReason(e.target.value)}>
          {REASONS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        onClick={() =>
          void api.post(`/v1/messages/${encodeURIComponent(messageId)}/report`, { reason }).then(
            () => setDone("Reported. Thank you."),
            (err: unknown) => setDone(err instanceof ApiError ? err.message : "could not report"),
          )
        }
      >
        Send report
      </button>
    </span>
  );
}

/** One conversation: the messages as this user may see them, and a composer with the live reminder. */
export function Conversation({
  api,
  me,
  relationshipId,
}: {
  api: Client;
  me: Session;
  relationshipId: string;
}) {
  const isNew = relationshipId.startsWith("new:");
  const [pairId, setPairId] = useState(isNew ? null : relationshipId);
  const otherFromNew = isNew ? relationshipId.slice(4) : null;
  const messages = useLoad(
    () =>
      pairId === null
        ? Promise.resolve({ messages: [] as Message[] })
        : api.get<{ messages: Message[] }>(`/v1/relationships/${encodeURIComponent(pairId)}/messages`),
    [pairId],
  );
  const pair = useLoad(
    () =>
      pairId === null
        ? Promise.resolve(null)
        : api.get<{
            clientId: string;
            freelancerId: string;
            converted: boolean;
            offPlatformWindowEndsAt: string;
            offPlatformWindowMonths: number;
          }>(`/v1/relationships/${encodeURIComponent(pairId)}`),
    [pairId],
  );
  const contracts = useLoad(
    () => api.get<{ contracts: Contract[] }>(`/v1/accounts/${encodeURIComponent(me.accountId)}/contracts`),
    [me.accountId],
  );
  const other =
    otherFromNew ??
    (pair.data === undefined || pair.data === null
      ? ""
      : pair.data.clientId === me.accountId
        ? pair.data.freelancerId
        : pair.data.clientId);

  const [draft, setDraft] = useState("");
  const [live, setLive] = useState<LiveVerdict | null>(null);
  const [confirm, setConfirm] = useState<{
    token: string;
    text: string;
    explanations: { message: string }[];
  } | null>(null);
  const [status, setStatus] = useState<{ kind: "error" | "notice" | "success"; text: string } | null>(null);
  const timer = useRef<number | undefined>(undefined);

  // The reminder follows the draft, 250 ms after the last key: judged in the browser, no request.
  useEffect(() => {
    window.clearTimeout(timer.current);
    if (draft.trim() === "") {
      setLive(null);
      return;
    }
    timer.current = window.setTimeout(() => {
      const facts: PairFacts = {
        contracts: (contracts.data?.contracts ?? [])
          .filter((k) => k.clientId === other || k.freelancerId === other)
          .map((k) => ({
            kind: k.kind,
            milestoneStatuses: k.milestones.map((m) => m.status),
            ended: k.endedAt !== undefined,
          })),
        converted: pair.data?.converted ?? false,
        // A pair not formed yet (its first message) is judged as the default window has it; the server's
        // answer to the send quotes the marketplace's own.
        offPlatformWindowEndsAt:
          pair.data?.offPlatformWindowEndsAt ?? new Date(Date.now() + 730 * 86_400_000).toISOString(),
        offPlatformWindowMonths: pair.data?.offPlatformWindowMonths ?? DEFAULT_WINDOW_MONTHS,
        recent: (messages.data?.messages ?? [])
          .slice(-20)
          .map((m) => ({ senderId: m.senderId, text: m.text })),
      };
      setLive(judgeDraft(me.accountId, draft, facts, new Date()));
    }, 250);
    return () => window.clearTimeout(timer.current);
  }, [draft, contracts.data, pair.data, messages.data, other, me.accountId]);

  const send = async (confirmationToken?: string) => {
    const text = confirmationToken === undefined ? draft : (confirm?.text ?? draft);
    setStatus(null);
    try {
      const res = await api.post<
        | {
            id: string;
            relationshipId: string;
            verdict: string;
            delivery: string;
            explanations?: { message: string }[];
          }
        | { status: "confirmation_required"; confirmationToken: string; explanations: { message: string }[] }
      >(
        "/v1/messages",
        { recipientId: other, text, ...(confirmationToken === undefined ? {} : { confirmationToken }) },
        newKey(),
      );
      if ("status" in res) {
        setConfirm({ token: res.confirmationToken, text, explanations: res.explanations });
        return;
      }
      setConfirm(null);
      setDraft("");
      if (res.delivery === "held")
        setStatus({
          kind: "notice",
          text: "Your message is under review by our trust & safety team and has not been delivered yet.",
        });
      else if (res.verdict === "mask")
        setStatus({ kind: "notice", text: "Delivered, with contact details hidden." });
      else setStatus({ kind: "success", text: "Sent." });
      if (pairId === null) {
        setPairId(res.relationshipId);
        window.location.hash = `/conversations/${encodeURIComponent(res.relationshipId)}`;
      } else messages.reload();
    } catch (err) {
      setStatus({ kind: "error", text: err instanceof ApiError ? err.message : String(err) });
    }
  };

  return (
    <main>
      <p>
        <a href="#/">← Conversations</a>
      </p>
      <h1>Conversation with {other}</h1>
      {messages.error !== undefined && <p className="error">{messages.error.message}</p>}
      <section className="card messages" aria-label="Messages" aria-live="polite">
        {(messages.data?.messages ?? []).map((m) => (
          <div key={m.id} className={`bubble${m.senderId === me.accountId ? " mine" : ""}`}>
            {m.text}
            <small>
              {new Date(m.sentAt).toLocaleString()}
              {m.senderId === me.accountId && m.delivery === "held" && " · under review, not delivered"}
              {m.senderId === me.accountId && m.delivery === "rejected" && " · not delivered"}
              {m.senderId === me.accountId && m.verdict === "mask" && " · delivered with details hidden"}
            </small>
            {m.senderId !== me.accountId && <ReportButton api={api} messageId={m.id} />}
          </div>
        ))}
        {messages.data?.messages.length === 0 && <p className="muted">No messages yet.</p>}
      </section>
      <form
        className="card"
        aria-label="Write a message"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label>
          Message
          <textarea name="message" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
        <div className="reminder" role="status" aria-live="polite" data-testid="live-reminder">
          {live !== null && live.verdict !== "allow" && (
            <div className="notice">
              <b>Before you send:</b> {live.explanations.map((x) => x.message).join(" ")}
            </div>
          )}
        </div>
        {confirm !== null ? (
          <div className="notice" role="alertdialog" aria-label="Confirm sending">
            <p>{confirm.explanations.map((x) => x.message).join(" ")}</p>
            <div className="row">
              <button type="button" onClick={() => void send(confirm.token)}>
                I have read this; send anyway
              </button>
              <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                Edit my message
              </button>
            </div>
          </div>
        ) : (
          <button type="submit" disabled={draft.trim() === ""}>
            Send
          </button>
        )}
        {status !== null && (
          <p className={status.kind} role={status.kind === "error" ? "alert" : "status"}>
            {status.text}
          </p>
        )}
      </form>
    </main>
  );
}
