import { type Currency, DEFAULT_CONFIG, weekStart } from "@leakguard/domain";
import {
  actOnMilestone,
  createAccount,
  createFixedPriceContract,
  createHourlyContract,
  type Db,
  getAccount,
  logSegment,
  sendMessage,
  setGrant,
  setPassword,
} from "@leakguard/store";
import { screening } from "./screening.js";

/** Every demo account signs in with this password (POST /v1/sessions). */
export const DEMO_PASSWORD = "leakguard-demo";

export const DEMO_ACCOUNTS = [
  {
    id: "cli_ana",
    role: "client",
    displayName: "Ana Ruiz (Brightleaf Studio)",
    country: "US",
    locale: "en-US",
  },
  { id: "cli_ben", role: "client", displayName: "Ben Carter", country: "GB", locale: "en-GB" },
  { id: "fre_maya", role: "freelancer", displayName: "Maya Iyer", country: "IN", locale: "en-IN" },
  { id: "fre_omar", role: "freelancer", displayName: "Omar Sheikh", country: "PK", locale: "ur-PK" },
  { id: "agt_tess", role: "agent", displayName: "Tess (Trust & Safety)", country: "IE", locale: "en-IE" },
  { id: "adm_root", role: "admin", displayName: "Platform admin", country: "US", locale: "en-US" },
] as const;

const USD = "USD" as Currency;

/**
 * Demo data, written once: on a database that already has the demo client it
 * does nothing, so every restart keeps what the user changed. Returns whether
 * it wrote anything.
 */
export async function seedDemo(db: Db, now: Date): Promise<boolean> {
  if ((await getAccount(db, "cli_ana")) !== null) return false;
  for (const { id, ...fields } of DEMO_ACCOUNTS) {
    const made = await createAccount(db, id, fields);
    if (!made.ok) throw new Error(`demo account ${id}: ${made.message}`);
    await setPassword(db, id, DEMO_PASSWORD);
  }
  // The demo agent reads originals (each view logged); the demo admin does not, so both views can be seen.
  const granted = await setGrant(
    db,
    {
      accountId: "agt_tess",
      scope: "read_originals",
      grant: true,
      reason: "demo: the agent reviews originals",
      byId: null,
    },
    now,
  );
  if (!granted.ok) throw new Error(`demo grant: ${granted.message}`);

  // A conversation, the last message a red flag the trust side will catch.
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const lines: [string, string, string][] = [
    ["cli_ana", "fre_maya", "Hi Maya, loved your portfolio. Could you redesign our café's menu and logo?"],
    [
      "fre_maya",
      "cli_ana",
      "Happy to! Two milestones: logo first, then the menu. I'll send the contract here.",
    ],
    ["cli_ana", "fre_maya", "Great. The logo milestone is funded."],
    [
      "cli_ana",
      "fre_maya",
      "For the menu, could I just pay you through PayPal to skip the fee? Text me at +1 415 555 0142",
    ],
  ];
  for (const [i, [from, to, text]] of lines.entries()) {
    const at = minutesAgo(60 - i * 10);
    // Screened like any message: the last one is held for review, which opens a case.
    const sent = await sendMessage(
      db,
      { id: `msg_demo_${i + 1}`, senderId: from, recipientId: to, text },
      at,
      screening({ id: from }, text, at, DEFAULT_CONFIG),
      { confirmed: true },
    );
    if (!sent.ok) throw new Error(`demo message ${i + 1}: ${sent.message}`);
  }

  // A fixed-price contract: the logo funded into escrow, the menu not yet.
  await createFixedPriceContract(
    db,
    { id: "ctr_demo_logo", clientId: "cli_ana", freelancerId: "fre_maya", currency: USD },
    [
      { id: "ms_demo_logo", amount: 150_000n },
      { id: "ms_demo_menu", amount: 250_000n },
    ],
  );
  const funded = await actOnMilestone(
    db,
    "ms_demo_logo",
    { type: "fund", by: "client" },
    minutesAgo(35),
    "seed:fund:ms_demo_logo",
  );
  if (!funded.ok) throw new Error(`demo funding: ${funded.message}`);

  // An hourly contract with last week's time: tracked segments with memos, and one entered by hand.
  await createHourlyContract(db, {
    id: "ctr_demo_hourly",
    clientId: "cli_ben",
    freelancerId: "fre_omar",
    currency: USD,
    hourlyRate: 4_500n,
    weeklyLimitHours: 20,
  });
  const lastMonday = new Date(weekStart(now).getTime() - 7 * 86_400_000);
  for (let day = 0; day < 3; day++)
    for (let slot = 0; slot < 12; slot++) {
      const start = new Date(lastMonday.getTime() + day * 86_400_000 + 9 * 3_600_000 + slot * 600_000);
      const manual = day === 2 && slot >= 9;
      const logged = await logSegment(
        db,
        "ctr_demo_hourly",
        {
          start,
          tracked: !manual,
          memo: manual ? "" : "API integration for the booking page",
          activity: manual ? 0 : 40 + ((slot * 7) % 50),
        },
        now,
      );
      if (!logged.ok) throw new Error(`demo time: ${logged.message}`);
    }
  return true;
}
