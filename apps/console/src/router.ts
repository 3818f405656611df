import { useEffect, useState } from 'react';

/** Where the console is: the path and query after `#`, e.g. #/projects/kruger/sightings?kind=alert. */
export interface Place {
  parts: string[];
  query: URLSearchParams;
}

function current(): Place {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function usePlace(): Place {
  const [place, setPlace] = useState(current);
  useEffect(() => {
    const changed = () => setPlace(current());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return place;
}

export function href(path: string, query?: URLSearchParams): string {
  const search = query?.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function go(path: string, query?: URLSearchParams): void {
  window.location.hash = href(path, query).slice(1);
}
