import { DEFAULT_POLICY } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { createBacktest } from "./backtest.js";
import { escapeHtml, renderReport } from "./html.js";

const EVIL = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'quoted' </textarea><!--`;

describe("HTML report", () => {
  it("escapes the five HTML metacharacters", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
    );
    expect(escapeHtml("plain")).toBe("plain");
  });

  it("renders untrusted ids, senders, texts and file names escaped, self-contained, without scripts", () => {
    const backtest = createBacktest({
      policies: [{ name: `policy ${EVIL}`, policy: DEFAULT_POLICY }],
      defaultStage: "pre_contract",
      hashKey: "k",
    });
    const line = (id: string, minute: number, text: string, sender = EVIL) =>
      JSON.stringify({
        id,
        conversation_id: EVIL,
        sender,
        timestamp: new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString(),
        text,
      });
    backtest.pushLine(line(EVIL, 0, `${EVIL} email me at jane.roe@gmail.com`));
    backtest.pushLine(line("m2", 1, `pay me on paypal jane.roe@gmail.com ${EVIL}`, "other"));
    backtest.pushLine(`{bad ${EVIL}`);
    const html = renderReport(backtest.finish(), { input: `${EVIL}.jsonl`, generatedAt: new Date(0) });
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("</textarea>");
    expect(html).not.toContain("<!--");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // No network: nothing fetched from anywhere, and a policy that forbids it.
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    // Handles never appear: examples show masked text, clusters a hash.
    expect(html).not.toContain("jane.roe");
    expect(html).toContain("<svg");
    expect(html).toContain("Largest linked-handle clusters");
    expect(html).toMatch(/engine .* exposes no language guess/);
  });
});
