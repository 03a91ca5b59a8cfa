import { type Db, migrate, openDb } from "@leakguard/store";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./database-errors.js";
import { as, testApp } from "./test-app.test-helper.js";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("which errors mean the database is unavailable", () => {
  it("knows a refused, cut or shutting-down database from a wrong query", () => {
    for (const e of [
      coded("ECONNREFUSED"),
      coded("ECONNRESET"),
      coded("57P01", "terminating connection due to administrator command"),
      coded("57P03", "the database system is starting up"),
      coded("08006"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new Error("Client has encountered a connection error and is not queryable"),
      new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")], "connect failed"),
      new Error("wrapped", { cause: coded("ECONNREFUSED") }),
    ])
      expect(isDatabaseUnavailable(e), String(e)).toBe(true);
    for (const e of [
      coded("23505", "duplicate key value violates unique constraint"),
      coded("42P01", 'relation "x" does not exist'),
      coded("40001", "could not serialize access"),
      new Error("something else"),
      null,
      "ECONNREFUSED",
    ])
      expect(isDatabaseUnavailable(e), String(e)).toBe(false);
  });
});

describe("a request while the database is unavailable", () => {
  it("is answered 503 database_unavailable with Retry-After, not 500", { timeout: 90_000 }, async () => {
    const real = await openDb({ engine: "pglite" });
    await migrate(real);
    let down = false;
    const refused = () => Promise.reject(coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"));
    const db: Db = {
      engine: real.engine,
      query: (sql, params) => (down ? refused() : real.query(sql, params)),
      exec: (sql) => (down ? refused() : real.exec(sql)),
      transaction: (fn) => (down ? refused() : real.transaction(fn)),
      close: () => real.close(),
      listen: (channel, heard, lost) => (down ? refused() : real.listen(channel, heard, lost)),
    };
    const app = await testApp(db, () => new Date(), [["cli_d", "client"]]);
    down = true;
    const res = await app.inject({ method: "GET", url: "/v1/accounts/cli_d", headers: as("cli_d") });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.json()).toMatchObject({ error: { code: "database_unavailable" } });
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(503);
    down = false;
    expect(
      (await app.inject({ method: "GET", url: "/v1/accounts/cli_d", headers: as("cli_d") })).statusCode,
    ).toBe(200);
    await app.close();
    await real.close();
  });
});
