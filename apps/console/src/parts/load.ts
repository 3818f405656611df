import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Loads what a page shows, again when `keys` change; a newer load wins over a slower older one. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null }),
      (error: Error) => current && setState((previous) => ({ data: previous.data, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [...keys, round]);
  return { ...state, reload };
}

export function when(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Runs a change the person asked for, then `after` (a reload); a refusal becomes the page's problem text. */
export function useAction(after?: () => void): { problem: string | null; act: (work: () => Promise<unknown>) => Promise<void> } {
  const [problem, setProblem] = useState<string | null>(null);
  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      setProblem(null);
      try {
        await work();
        after?.();
      } catch (error) {
        setProblem((error as Error).message);
      }
    },
    [after],
  );
  return { problem, act };
}
