import "../shared/styles.css";
import { mount } from "../shared/Shell.js";
import { Contracts } from "./Contracts.js";
import { Conversation, Conversations } from "./Conversations.js";
import { Notices } from "./Notices.js";

mount({
  app: "app",
  brand: "Demo marketplace",
  nav: [
    ["#/", "Conversations"],
    ["#/contracts", "Contracts"],
    ["#/notices", "Notices"],
  ],
  signIn: {
    title: "Demo marketplace",
    hint: "Sign in as a seeded client (cli_ana, cli_ben) or freelancer (fre_maya, fre_omar) with the demo password printed by npm start.",
    allowRoles: ["client", "freelancer"],
  },
  page: (route, api, me) => {
    const pair = /^\/conversations\/([^/]+)$/.exec(route);
    if (pair?.[1] !== undefined)
      return <Conversation api={api} me={me} relationshipId={decodeURIComponent(pair[1])} />;
    if (route === "/contracts") return <Contracts api={api} me={me} />;
    if (route === "/notices") return <Notices api={api} me={me} />;
    return <Conversations api={api} me={me} />;
  },
});
