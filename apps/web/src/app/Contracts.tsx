import { type FormEvent, useState } from "react";
import { Alert } from "../shared/Alert.js";
import { ApiError, type Client, newKey, type Session } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";
import { money, toMinor } from "../shared/money.js";

interface Contract {
  id: string;
  kind: "fixed_price" | "hourly";
  clientId: string;
  freelancerId: string;
  currency: string;
  milestones: { id: string; amount: string; status: string }[];
  hourlyRate?: string;
  weeklyLimitHours?: number;
  endedAt?: string;
}
interface Balance {
  currency: string;
  inEscrow: string;
  pending: string;
  available: string;
}
interface Invoice {
  weekStart: string;
  billed: string;
  protected: string;
  unprotected: Record<string, { segments: number; amount: string }>;
  currency: string;
  disputeUntil: string;
  settlement?: unknown;
}

/** The milestone actions each side has, by the milestone's status. */
function actionsFor(role: string, status: string): { action: string; label: string }[] {
  if (role === "client") {
    if (status === "unfunded") return [{ action: "fund", label: "Fund" }];
    if (status === "funded")
      return [
        { action: "approve", label: "Approve and release" },
        { action: "request-refund", label: "Request a refund" },
        { action: "dispute", label: "Dispute" },
      ];
    if (status === "submitted")
      return [
        { action: "approve", label: "Approve and release" },
        { action: "request-changes", label: "Request changes" },
        { action: "dispute", label: "Dispute" },
      ];
    return [];
  }
  if (status === "funded")
    return [
      { action: "submit", label: "Submit work" },
      { action: "dispute", label: "Dispute" },
    ];
  if (status === "submitted") return [{ action: "dispute", label: "Dispute" }];
  if (status === "refund_requested")
    return [
      { action: "answer-refund:accept", label: "Accept the refund" },
      { action: "answer-refund:decline", label: "Decline the refund" },
    ];
  return [];
}

function Balances({ api, me, tick }: { api: Client; me: Session; tick: number }) {
  const data = useLoad(
    () => api.get<{ balances: Balance[] }>(`/v1/accounts/${encodeURIComponent(me.accountId)}/balances`),
    [me.accountId, tick],
  );
  return (
    <section className="card" aria-labelledby="bal-h">
      <h2 id="bal-h">Balances</h2>
      {data.error !== undefined && <p className="error">{data.error.message}</p>}
      <div className="table-wrap stack">
        <table>
          <thead>
            <tr>
              <th scope="col">Currency</th>
              <th scope="col">In escrow</th>
              <th scope="col">Pending</th>
              <th scope="col">Available</th>
            </tr>
          </thead>
          <tbody>
            {(data.data?.balances ?? []).map((b) => (
              <tr key={b.currency}>
                <td data-label="Currency">{b.currency}</td>
                <td data-label="In escrow" data-testid={`escrow-${b.currency}`}>
                  {money(b.inEscrow, b.currency)}
                </td>
                <td data-label="Pending" data-testid={`pending-${b.currency}`}>
                  {money(b.pending, b.currency)}
                </td>
                <td data-label="Available" data-testid={`available-${b.currency}`}>
                  {money(b.available, b.currency)}
                </td>
              </tr>
            ))}
            {data.data?.balances.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No money yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function NewFixedPrice({ api, onDone }: { api: Client; onDone: (note: string) => void }) {
  const [freelancerId, setFreelancerId] = useState("");
  const [amounts, setAmounts] = useState("500, 750");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const parts = amounts.split(/[;\s]+|,\s+/).filter((s) => s.trim() !== "");
    const minors = parts.map(toMinor);
    if (minors.length === 0 || minors.some((m) => m === null || m === "0")) {
      setError("Give each milestone's amount in dollars, separated by commas (for example: 500, 750.50).");
      return;
    }
    try {
      const made = await api.post<{ id: string }>(
        "/v1/contracts/fixed-price",
        {
          freelancerId: freelancerId.trim(),
          currency: "USD",
          milestones: minors.map((amount) => ({ amount })),
        },
        newKey(),
      );
      onDone(`Contract ${made.id} created: fund a milestone to start.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="New fixed-price contract">
      <h2>New fixed-price contract</h2>
      <div className="row">
        <label>
          Freelancer (account id)
          <input required value={freelancerId} onChange={(e) => setFreelancerId(e.target.value)} />
        </label>
        <label>
          Milestones (USD, comma-separated)
          <input required value={amounts} onChange={(e) => setAmounts(e.target.value)} />
        </label>
        <button type="submit">Create</button>
      </div>
      <Alert error={error} />
    </form>
  );
}

function NewHourly({ api, onDone }: { api: Client; onDone: (note: string) => void }) {
  const [freelancerId, setFreelancerId] = useState("");
  const [rate, setRate] = useState("40");
  const [limit, setLimit] = useState(20);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const hourlyRate = toMinor(rate);
    if (hourlyRate === null || hourlyRate === "0") {
      setError("Give the hourly rate in dollars (for example: 40 or 37.50).");
      return;
    }
    try {
      const made = await api.post<{ id: string }>(
        "/v1/contracts/hourly",
        { freelancerId: freelancerId.trim(), currency: "USD", hourlyRate, weeklyLimitHours: limit },
        newKey(),
      );
      onDone(`Hourly contract ${made.id} created.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="New hourly contract">
      <h2>New hourly contract</h2>
      <div className="row">
        <label>
          Freelancer (account id)
          <input required value={freelancerId} onChange={(e) => setFreelancerId(e.target.value)} />
        </label>
        <label>
          Rate (USD an hour)
          <input required value={rate} onChange={(e) => setRate(e.target.value)} />
        </label>
        <label>
          Weekly limit (hours)
          <input
            type="number"
            min={1}
            max={168}
            value={limit}
            onChange={(e) => setLimit(Number(e.target.value))}
          />
        </label>
        <button type="submit">Create</button>
      </div>
      <Alert error={error} />
    </form>
  );
}

function HourlyPanel({
  api,
  me,
  c,
  onDone,
}: {
  api: Client;
  me: Session;
  c: Contract;
  onDone: (note: string) => void;
}) {
  const invoices = useLoad(
    () => api.get<{ invoices: Invoice[] }>(`/v1/contracts/${encodeURIComponent(c.id)}/invoices`),
    [c.id],
  );
  const [memo, setMemo] = useState("");
  const [error, setError] = useState<string | null>(null);
  const log = async () => {
    setError(null);
    // The segment that just ended, on the 10-minute grid.
    const grid = 10 * 60_000;
    const start = new Date(Math.floor(Date.now() / grid) * grid - grid).toISOString();
    try {
      await api.post(`/v1/contracts/${encodeURIComponent(c.id)}/time`, {
        start,
        tracked: true,
        memo,
        activity: 70,
      });
      onDone("Ten minutes logged.");
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <div>
      <p className="muted">
        {money(c.hourlyRate ?? "0", c.currency)} an hour, at most {c.weeklyLimitHours} hours a week.
      </p>
      {me.role === "freelancer" && c.endedAt === undefined && (
        <div className="row">
          <label>
            Memo
            <input value={memo} onChange={(e) => setMemo(e.target.value)} />
          </label>
          <button type="button" onClick={() => void log()}>
            Log the last 10 minutes
          </button>
        </div>
      )}
      <Alert error={error} />
      <ul>
        {(invoices.data?.invoices ?? []).map((i) => (
          <li key={i.weekStart}>
            Week of {i.weekStart.slice(0, 10)}: {money(i.billed, i.currency)} billed,{" "}
            {money(i.protected, i.currency)} protected
            {Object.entries(i.unprotected).map(
              ([why, u]) => `; ${money(u.amount, i.currency)} unprotected (${why.replaceAll("_", " ")})`,
            )}
            {i.settlement === undefined
              ? ` · disputable until ${new Date(i.disputeUntil).toLocaleString()}`
              : " · settled"}
          </li>
        ))}
        {invoices.data?.invoices.length === 0 && (
          <li className="muted">No invoices yet: the week is invoiced on Monday.</li>
        )}
      </ul>
    </div>
  );
}

/** The user's contracts, their milestones with the actions open to this side, hourly time and invoices, and balances. */
export function Contracts({ api, me }: { api: Client; me: Session }) {
  const [tick, setTick] = useState(0);
  const contracts = useLoad(
    () => api.get<{ contracts: Contract[] }>(`/v1/accounts/${encodeURIComponent(me.accountId)}/contracts`),
    [me.accountId, tick],
  );
  const [note, setNote] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const done = (text: string) => {
    setNote({ kind: "success", text });
    setTick((t) => t + 1);
  };
  const act = async (milestoneId: string, action: string) => {
    setNote(null);
    const [path, answer] = action.split(":");
    try {
      await api.post(
        `/v1/milestones/${encodeURIComponent(milestoneId)}/${path ?? action}`,
        answer === undefined ? undefined : { accept: answer === "accept" },
        newKey(),
      );
      done(`Done: ${(path ?? action).replaceAll("-", " ")}.`);
    } catch (err) {
      setNote({ kind: "error", text: err instanceof ApiError ? err.message : String(err) });
    }
  };
  return (
    <main>
      <h1>Contracts and money</h1>
      {note !== null && (
        <p className={note.kind} role={note.kind === "error" ? "alert" : "status"}>
          {note.text}
        </p>
      )}
      <Balances api={api} me={me} tick={tick} />
      {contracts.error !== undefined && <p className="error">{contracts.error.message}</p>}
      {(contracts.data?.contracts ?? []).map((c) => (
        <section key={c.id} className="card" aria-label={`Contract ${c.id}`}>
          <h2>
            {c.kind === "hourly" ? "Hourly" : "Fixed price"} with{" "}
            {c.clientId === me.accountId ? c.freelancerId : c.clientId}{" "}
            <small className="muted">{c.id}</small>{" "}
            {c.endedAt !== undefined && <span className="pill">ended</span>}
          </h2>
          {c.kind === "hourly" ? (
            <HourlyPanel api={api} me={me} c={c} onDone={done} />
          ) : (
            <div className="table-wrap stack">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Milestone</th>
                    <th scope="col">Amount</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {c.milestones.map((m) => (
                    <tr key={m.id}>
                      <td data-label="Milestone">
                        <code>{m.id}</code>
                      </td>
                      <td data-label="Amount">{money(m.amount, c.currency)}</td>
                      <td data-label="Status">
                        <span
                          className={`pill ${m.status === "released" ? "ok" : m.status === "disputed" ? "bad" : ""}`}
                        >
                          {m.status.replaceAll("_", " ")}
                        </span>
                      </td>
                      <td className="row">
                        {actionsFor(me.role, m.status).map((a) => (
                          <button
                            key={a.action}
                            type="button"
                            className={a.action === "dispute" ? "secondary" : ""}
                            onClick={() => void act(m.id, a.action)}
                            aria-label={`${a.label}: ${m.id}`}
                          >
                            {a.label}
                          </button>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
      {me.role === "client" && (
        <>
          <NewFixedPrice api={api} onDone={done} />
          <NewHourly api={api} onDone={done} />
        </>
      )}
    </main>
  );
}
