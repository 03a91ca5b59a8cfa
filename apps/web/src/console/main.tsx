import "../shared/styles.css";
import { mount } from "../shared/Shell.js";
import { Appeals } from "./Appeals.js";
import { CasePage } from "./CasePage.js";
import { Dashboard } from "./Dashboard.js";
import { PolicyPage } from "./PolicyPage.js";
import { Queue } from "./Queue.js";
import { Reports } from "./Reports.js";

mount({
  app: "console",
  brand: "Leakguard console",
  nav: [
    ["#/", "Queue"],
    ["#/dashboard", "Dashboard"],
    ["#/policy", "Policy"],
    ["#/appeals", "Appeals"],
    ["#/reports", "Reports"],
  ],
  signIn: {
    title: "Trust & Safety console",
    hint: "Sign in as an agent or admin. The demo seeds agt_tess with the password printed by npm start.",
    defaultAccount: "agt_tess",
    allowRoles: ["agent", "admin"],
  },
  page: (route, api, me) => {
    const caseMatch = /^\/cases\/([^/]+)$/.exec(route);
    if (caseMatch?.[1] !== undefined)
      return <CasePage api={api} me={me} caseId={decodeURIComponent(caseMatch[1])} />;
    if (route === "/appeals") return <Appeals api={api} me={me} />;
    if (route === "/reports") return <Reports api={api} />;
    if (route === "/dashboard") return <Dashboard api={api} />;
    if (route === "/policy") return <PolicyPage api={api} />;
    return <Queue api={api} me={me} />;
  },
});
