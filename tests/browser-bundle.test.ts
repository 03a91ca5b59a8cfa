/**
 * Proves the browser promise of @leakguard/detect (ARCHITECTURE.md): it bundles
 * with esbuild for the browser platform (which refuses Node built-ins) and the
 * bundle runs in a bare JavaScript context with no Node globals.
 */
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = fileURLToPath(new URL("../packages/detect/src/index.ts", import.meta.url));

interface PublicResult {
  verdict: string;
  violation: boolean;
  rules: string[];
  handles: string[];
  masked: string;
  error?: { code: string };
}

let code = "";
let context: vm.Context;
const provided: string[] = [];

beforeAll(async () => {
  // esbuild fails the build (it throws) on any import of a Node built-in when the platform is "browser".
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "Leakguard",
    conditions: ["source"],
    write: false,
    logLevel: "silent",
  });
  expect(result.errors).toEqual([]);
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error("esbuild produced no output");
  code = file.text;
  console.log(
    `browser bundle of @leakguard/detect: ${(file.contents.byteLength / 1024).toFixed(1)} KB (unminified)`,
  );
  if (result.warnings.length > 0)
    console.log(`esbuild warnings: ${result.warnings.map((w) => w.text).join("; ")}`);

  // A fresh realm: only the standard JavaScript globals V8 gives (no process, require, Buffer, module, global).
  const sandbox: Record<string, unknown> = {};
  // Web APIs the engine may use: given only if the bundle names them, as a browser would have them.
  for (const [name, value] of [
    ["TextEncoder", TextEncoder],
    ["TextDecoder", TextDecoder],
  ] as const) {
    if (new RegExp(`\\b${name}\\b`).test(code)) {
      sandbox[name] = value;
      provided.push(name);
    }
  }
  console.log(`web globals provided to the bundle: ${provided.length === 0 ? "none" : provided.join(", ")}`);
  context = vm.createContext(sandbox);
  vm.runInContext(code, context, { filename: "leakguard-detect.iife.js" });
}, 60_000);

function scanInBundle(text: string): PublicResult {
  const json = vm.runInContext(
    `JSON.stringify(Leakguard.scan(${JSON.stringify(text)}, { stage: "pre_contract" }))`,
    context,
  ) as string;
  return JSON.parse(json) as PublicResult;
}

describe("browser bundle of @leakguard/detect", () => {
  it("runs in a context without Node globals", () => {
    for (const name of [
      "process",
      "require",
      "Buffer",
      "module",
      "global",
      "exports",
      "__dirname",
      "setImmediate",
    ]) {
      expect(vm.runInContext(`typeof ${name}`, context), name).toBe("undefined");
    }
    expect(vm.runInContext("typeof Leakguard.scan", context)).toBe("function");
    expect(vm.runInContext("typeof Leakguard.createConversationScanner", context)).toBe("function");
  });

  it("contains no leftover require() of a module it did not bundle", () => {
    // esbuild emits a __require shim only for require() calls it could not resolve.
    expect(code).not.toMatch(/__require\(["']/);
  });

  it("masks a phone number before a contract", () => {
    const r = scanInBundle("call me on +44 7700 900123");
    expect(r.error).toBeUndefined();
    expect(r.verdict).toBe("mask");
    expect(r.violation).toBe(true);
    expect(r.handles.some((h) => h.startsWith("phone:"))).toBe(true);
    expect(r.masked).not.toContain("900123");
  });

  it("allows an invoice total", () => {
    const r = scanInBundle("the invoice total is $1,200");
    expect(r.error).toBeUndefined();
    expect(r.verdict).toBe("allow");
    expect(r.masked).toBe("the invoice total is $1,200");
  });

  it("assembles a detail split across messages in the bundle too", () => {
    const json = vm.runInContext(
      `(() => {
        const s = Leakguard.createConversationScanner({ stage: "pre_contract" });
        return JSON.stringify(["my email is jane.roe", "@gmail.com"].map((text) => s.push({ from: "f", text })));
      })()`,
      context,
    ) as string;
    const results = JSON.parse(json) as PublicResult[];
    expect(results).toHaveLength(2);
    expect(results[1]?.handles).toContain("email:jane.roe@gmail.com");
  });

  it("validates payment details (checksums and hashes run in the bundle)", () => {
    for (const [text, handle] of [
      ["pay to DE89370400440532013000", "iban:DE89370400440532013000"],
      ["BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "crypto:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"],
      ["eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "crypto:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
      ["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "crypto:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"],
    ] as const) {
      const r = scanInBundle(text);
      expect(r.error, text).toBeUndefined();
      expect(r.verdict, text).toBe("hold");
      expect(r.handles, text).toContain(handle);
    }
  });
});
