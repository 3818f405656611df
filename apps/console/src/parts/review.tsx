import { useState } from 'react';
import { api } from '../api';
import type { ReviewState } from '../api';
import { Problem } from './bits';

/** How each review state reads in the console (the API's names stay in the filter's address). */
export const REVIEW_WORDS: Record<ReviewState, string> = {
  received: 'Not reviewed',
  approved: 'Approved',
  hasIssues: 'Has issues',
  rejected: 'Rejected',
  edited: 'Edited since review',
};

/** What a manager can set: the two the server sets itself (received, edited) are not offered. */
export const REVIEW_ACTIONS: [ReviewState, string][] = [
  ['approved', 'Approve'],
  ['hasIssues', 'Flag as having issues'],
  ['rejected', 'Reject'],
];

export function ReviewBadge({ state }: { state: ReviewState }) {
  return <span className={`badge review-${state}`}>{REVIEW_WORDS[state] ?? state}</span>;
}

/**
 * Approve, flag or reject one or many sightings, with an optional comment kept on each. `ids` are
 * the sightings' ids; `onDone` runs once the server has committed the change.
 */
export function ReviewActions({ slug, ids, onDone, label }: { slug: string; ids: string[]; onDone: (state: ReviewState) => void; label: string }) {
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const review = async (state: ReviewState) => {
    setBusy(true);
    setProblem(null);
    try {
      await api(`/api/v1/projects/${slug}/sightings/review`, { method: 'POST', body: { ids, state, ...(comment.trim() ? { comment } : {}) } });
      setComment('');
      onDone(state);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="review-actions" disabled={busy || ids.length === 0}>
      <legend>{label}</legend>
      <label>
        Comment (optional)
        <input value={comment} onChange={(event) => setComment(event.target.value)} maxLength={4000} />
      </label>
      {REVIEW_ACTIONS.map(([state, words]) => (
        <button key={state} type="button" onClick={() => void review(state)}>
          {words}
        </button>
      ))}
      <Problem text={problem} />
    </fieldset>
  );
}
