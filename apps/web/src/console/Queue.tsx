import { useState } from "react";
import { Alert } from "../shared/Alert.js";
import { ApiError, type Client, type Session } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";

export interface CaseRow {
  id: string;
  subjectId: string;
  status: string;
  openedAt: string;
  openedBecause: string;
  priority: number;
  urgency: number;
  assigneeId?: string;
}

function age(iso: string): string {
  const hours = Math.max(0, (Date.now() - Date.parse(iso)) / 3_600_000);
  return hours < 1
    ? "under an hour"
    : hours < 48
      ? `${Math.floor(hours)} h`
      : `${Math.floor(hours / 24)} days`;
}

/** The case queue: counts at a glance, filters, sort, claim and release. */
export function Queue({ api, me }: { api: Client; me: Session }) {
  const [status, setStatus] = useState("open");
  const [assignee, setAssignee] = useState("");
  const [sort, setSort] = useState("priority");
  const [minPriority, setMinPriority] = useState("");
  const [openedBecause, setOpenedBecause] = useState("");
  const [rule, setRule] = useState("");
  const [error, setError] = useState<string | null>(null);
  const query = new URLSearchParams({
    status,
    sort,
    ...(assignee === "" ? {} : { assignee }),
    ...(minPriority === "" ? {} : { minPriority }),
    ...(openedBecause === "" ? {} : { openedBecause }),
    ...(rule === "" ? {} : { rule }),
  });
  const queue = useLoad(
    () =>
      api.get<{ cases: CaseRow[]; counts: { open: number; unclaimed: number } }>(
        `/v1/cases?${query.toString()}`,
      ),
    [query.toString()],
  );
  const claim = async (id: string, what: "claim" | "release") => {
    setError(null);
    try {
      await api.post(`/v1/cases/${encodeURIComponent(id)}/${what}`);
      queue.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main>
      <h1>Case queue</h1>
      <div className="card counts" aria-live="polite">
        <div>
          <b data-testid="count-open">{queue.data?.counts.open ?? "–"}</b>open
        </div>
        <div>
          <b data-testid="count-unclaimed">{queue.data?.counts.unclaimed ?? "–"}</b>unclaimed
        </div>
      </div>
      <div className="row card">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="open">open</option>
            <option value="waiting">waiting on an answer</option>
            <option value="closed">closed</option>
          </select>
        </label>
        <label>
          Assignee
          <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">anyone</option>
            <option value="me">me</option>
            <option value="none">unclaimed</option>
          </select>
        </label>
        <label>
          Risk at least
          <select value={minPriority} onChange={(e) => setMinPriority(e.target.value)}>
            <option value="">any</option>
            <option value="20">20</option>
            <option value="40">40</option>
            <option value="60">60 (opens a case by itself)</option>
            <option value="80">80</option>
          </select>
        </label>
        <label>
          Why opened
          <select value={openedBecause} onChange={(e) => setOpenedBecause(e.target.value)}>
            <option value="">any reason</option>
            <option value="held_message">held message</option>
            <option value="report">report</option>
            <option value="risk_threshold">risk threshold</option>
          </select>
        </label>
        <label>
          Rule
          <select value={rule} onChange={(e) => setRule(e.target.value)}>
            <option value="">any rule</option>
            <option value="P1">P1 payment outside</option>
            <option value="P2">P2 end and continue outside</option>
            <option value="C1">C1 contact details</option>
            <option value="C2">C2 asks to move channel</option>
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value)}>
            <option value="priority">urgency (risk and age)</option>
            <option value="age">age (oldest first)</option>
          </select>
        </label>
      </div>
      <Alert error={error} />
      {queue.error !== undefined && <p className="error">{queue.error.message}</p>}
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Cases</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Urgency</th>
              <th scope="col">Risk</th>
              <th scope="col">Why</th>
              <th scope="col">Age</th>
              <th scope="col">Assignee</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(queue.data?.cases ?? []).map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`#/cases/${encodeURIComponent(c.id)}`}>{c.subjectId}</a>
                  {c.status !== "open" && <span className={`pill ${c.status}`}> {c.status}</span>}
                </td>
                <td>{c.urgency}</td>
                <td>{c.priority}</td>
                <td>{c.openedBecause.replaceAll("_", " ")}</td>
                <td>{age(c.openedAt)}</td>
                <td>{c.assigneeId ?? <span className="muted">none</span>}</td>
                <td>
                  {c.status !== "closed" &&
                    (c.assigneeId === me.accountId ? (
                      <button type="button" className="secondary" onClick={() => void claim(c.id, "release")}>
                        Release
                      </button>
                    ) : c.assigneeId === undefined ? (
                      <button type="button" onClick={() => void claim(c.id, "claim")}>
                        Claim
                      </button>
                    ) : null)}
                </td>
              </tr>
            ))}
            {queue.data?.cases.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No cases here.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}
