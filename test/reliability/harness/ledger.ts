/**
 * What the simulated devices did, from their side: every upload attempt, which ones the server
 * acknowledged, and the sightings each acknowledged file carried. Reconciliation compares the
 * database against this.
 */
export class Ledger {
  attempts = 0;
  acknowledged = 0;
  /** Attempts that got no acknowledgement (error, reset, 5xx) and were sent again. */
  resent = 0;
  /** Files the server refused for good (4xx other than 429): a device does not send those again. */
  refused = 0;
  readonly expectedUids = new Set<string>();
  /** Answers other than an acknowledgement, by status (0: no answer at all), to show which faults were hit. */
  readonly otherAnswers = new Map<number, number>();

  noteAnswer(status: number): void {
    this.otherAnswers.set(status, (this.otherAnswers.get(status) ?? 0) + 1);
  }

  acknowledge(uids: Iterable<string>): void {
    this.acknowledged++;
    for (const uid of uids) this.expectedUids.add(uid);
  }
}
