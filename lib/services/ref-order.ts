// Which head of a ref is the newest, from the moves GitHub reported for it (before → after), whatever order
// they were received or applied in. GitHub does not promise to deliver in order, and a job that fails is
// retried after newer ones ran, so the last event applied is not always the newest one.
//
// A move m is "followed" when another reported move starts where m ends and is newer:
//  - it was received later (GitHub sent it later), or
//  - it was received earlier, but both are fast-forwards (not forced): then the other one's head descends
//    from m's head, so it is newer in the branch's history (a push chain received out of order).
// A deletion or a closed pull request counts as forced: only a re-creation sent after it follows it.
// The newest head is the end of the newest move nobody follows; when every move is followed (a force-push
// back and forth), the move received last wins.
export interface ReportedMove {
  /** the delivery's receipt order (webhook_deliveries.id) */
  seq: bigint;
  /** the head GitHub says the ref had before; null when the event does not say */
  before: string | null;
  /** the head after the move; ZERO_SHA when the branch was deleted or the pull request closed */
  after: string;
  /** not a fast-forward: a forced push, a deletion, a closed pull request */
  forced: boolean;
}

function followed(m: ReportedMove, moves: readonly ReportedMove[]): boolean {
  return moves.some((o) => o !== m && o.before === m.after && (o.seq > m.seq || (!o.forced && !m.forced && o.seq < m.seq)));
}

/** The move whose head is the ref's newest, or null when there are none. */
export function newestMove<M extends ReportedMove>(moves: readonly M[]): M | null {
  if (moves.length === 0) return null;
  const open = moves.filter((m) => !followed(m, moves));
  const pool = open.length > 0 ? open : moves;
  return pool.reduce((a, b) => (b.seq > a.seq ? b : a));
}
