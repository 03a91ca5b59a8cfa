/**
 * Words the trust & safety team's tools show people, kept apart from the
 * engine so a page can import them without loading it
 * (`@leakguard/trust/texts`).
 */

/** The question a clarification request asks when the agent writes none (the console offers it to edit). */
export const CLARIFICATION_TEMPLATE =
  "Our trust & safety team is reviewing recent activity on your account that may go against our policy on keeping work and payments on the platform. Please tell us, in your own words, what happened and what you intended. If you do not answer by the deadline, we will decide without your answer.";
