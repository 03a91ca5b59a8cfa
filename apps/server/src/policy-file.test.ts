import { DEFAULT_POLICY } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { parsePolicyFile } from "./policy-file.js";

describe("a policy written as a file", () => {
  it("reads YAML and JSON, merged over the default, with the sanction ladder apart", () => {
    const yaml = parsePolicyFile(
      [
        "version: strict-2026-12",
        "rules:",
        "  C1:",
        "    pre_contract: hold",
        "artifactHosts: [figma.com]",
        "sanctions:",
        "  warningExpiryDays: 60",
      ].join("\n"),
      "strict.yaml",
    );
    expect(yaml.ok).toBe(true);
    if (!yaml.ok) return;
    expect(yaml.value.policy.version).toBe("strict-2026-12");
    expect(yaml.value.policy.rules.C1).toEqual({ pre_contract: "hold", contract_active: "allow" });
    expect(yaml.value.policy.rules.P1).toEqual(DEFAULT_POLICY.rules.P1);
    expect(yaml.value.policy.artifactHosts).toEqual(["figma.com"]);
    expect(yaml.value.sanctions).toEqual({ warningExpiryDays: 60 });
    const json = parsePolicyFile(JSON.stringify({ version: "j1", thresholds: { detail: 0.7 } }), "p.json");
    expect(json.ok && json.value.policy.thresholds.detail).toBe(0.7);
  });

  it("says where a mistake is: file, line, column and field", () => {
    const bad = (text: string) => {
      const r = parsePolicyFile(text, "p.yaml");
      return r.ok ? null : r.error;
    };
    expect(bad("version: x\nrules:\n  C1:\n    pre_contract: block\n")).toMatchObject({
      code: "policy_file_invalid",
      line: 4,
      field: "rules.C1.pre_contract",
    });
    expect(bad("version: x\nrules:\n  C9:\n    pre_contract: hold\n")).toMatchObject({
      line: 3,
      field: "rules.C9",
    });
    expect(bad("thresholds:\n  detail: 2\n")?.message).toMatch(
      /^p\.yaml:2:\d+: thresholds\.detail: expected a number/,
    );
    expect(bad("artifactHosts:\n  - figma.com\n  - not a host\n")).toMatchObject({
      line: 3,
      field: "artifactHosts.1",
    });
    expect(bad("sanctions:\n  anyWarningsToSuspend: 0\n")).toMatchObject({
      line: 2,
      field: "sanctions.anyWarningsToSuspend",
    });
    expect(bad("sanctions:\n  ladder: 2\n")?.message).toMatch(/unknown field/);
    expect(bad("colour: blue\n")).toMatchObject({ line: 1, field: "colour" });
    expect(bad("rules: [\n")).toMatchObject({ code: "policy_file_syntax" });
    expect(bad('{"version": "x",\n "rules": {"C1": {"pre_contract": "nope"}}}')).toMatchObject({
      line: 2,
      field: "rules.C1.pre_contract",
    });
    expect(bad("- a\n- b\n")?.message).toMatch(/mapping/);
    expect(bad("signals:\n  spooky_vibes:\n    weight: 3\n")).toMatchObject({
      line: 2,
      field: "signals.spooky_vibes",
    });
    expect(bad("signals:\n  nudge_overridden:\n    weight: 500\n")).toMatchObject({
      line: 3,
      field: "signals.nudge_overridden.weight",
    });
  });

  it("re-weighs signals, leaving the rest of the catalogue as it is", () => {
    const r = parsePolicyFile(
      "signals:\n  nudge_overridden: { weight: 0 }\n  counterparty_report: { halfLifeDays: 7 }\n",
      "p.yaml",
    );
    expect(r.ok && r.value.sanctions.signals).toEqual({
      nudge_overridden: { weight: 0 },
      counterparty_report: { halfLifeDays: 7 },
    });
  });
});
