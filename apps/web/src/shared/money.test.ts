import { describe, expect, it } from "vitest";
import { toMinor } from "./money.js";

describe("amounts typed by a person", () => {
  it("become minor units, exactly", () => {
    expect(toMinor("500")).toBe("50000");
    expect(toMinor(" 12.5 ")).toBe("1250");
    expect(toMinor("7,25")).toBe("725");
    expect(toMinor("9999999999.99")).toBe("999999999999");
  });
  it("are refused when they are not money", () => {
    for (const bad of ["", "abc", "1.234", "-5", "1e3", "12.", "1,000.00"]) expect(toMinor(bad)).toBeNull();
  });
});
