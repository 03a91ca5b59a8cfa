import type { Client } from "../shared/api.js";
import { useLoad } from "../shared/hooks.js";

interface Folded {
  messageId: string;
  senderId: string;
  reporters: string[];
  reasons: string[];
  count: number;
  lastReportedAt: string;
}

/** Reports folded per message: who reported it, why, how often. */
export function Reports({ api }: { api: Client }) {
  const list = useLoad(() => api.get<{ byMessage: Folded[] }>("/v1/reports"), []);
  return (
    <main>
      <h1>Reports</h1>
      {list.error !== undefined && <p className="error">{list.error.message}</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Sender</th>
              <th scope="col">Message</th>
              <th scope="col">Reporters</th>
              <th scope="col">Reasons</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.byMessage ?? []).map((r) => (
              <tr key={r.messageId}>
                <td>{r.senderId}</td>
                <td>
                  <code>{r.messageId}</code>
                </td>
                <td>
                  {r.reporters.join(", ")} ({r.count})
                </td>
                <td>{r.reasons.map((x) => x.replaceAll("_", " ")).join(", ")}</td>
                <td>{new Date(r.lastReportedAt).toLocaleString()}</td>
              </tr>
            ))}
            {list.data?.byMessage.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No reports.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}
