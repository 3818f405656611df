import { useEffect, useState } from 'react';
import { api, ApiError, rememberCsrf } from './api';
import type { Me } from './api';
import { href, usePlace } from './router';
import { SignInPage } from './pages/SignInPage';
import { MePage } from './pages/MePage';
import { ProjectsPage } from './pages/ProjectsPage';
import { ProjectPage } from './pages/ProjectPage';
import { PeoplePage } from './pages/PeoplePage';
import { TokensPage } from './pages/TokensPage';
import { AuditPage } from './pages/AuditPage';
import { Loading, Problem } from './parts/bits';

/** The console: whoever is signed in sees what their roles allow, and nothing else. */
export function App() {
  const place = usePlace();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    api<Me>('/api/v1/session').then(
      (session) => {
        if (session.kind !== 'person') return setMe(null);
        rememberCsrf(session.csrfToken);
        setMe(session);
      },
      (error: ApiError) => {
        if (error.status !== 401) setProblem(error.message);
        setMe(null);
      },
    );
  }, []);

  if (me === undefined) return <Loading what="FieldSync" />;
  if (me === null)
    return (
      <>
        <Problem text={problem} />
        <SignInPage
          onSignedIn={(session) => {
            rememberCsrf(session.csrfToken);
            setMe(session);
          }}
        />
      </>
    );

  const signOut = async () => {
    await api('/api/v1/session', { method: 'DELETE' }).catch(() => undefined);
    rememberCsrf(null);
    setMe(null);
    window.location.hash = '#/';
  };
  const [section, slug] = place.parts;
  return (
    <>
      <a className="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/">
          FieldSync
        </a>
        <nav aria-label="Site">
          <a href="#/" aria-current={!section || section === 'projects' ? 'page' : undefined}>
            Projects
          </a>
          {me.person.siteAdmin && (
            <>
              <a href="#/people" aria-current={section === 'people' ? 'page' : undefined}>
                People
              </a>
              <a href="#/tokens" aria-current={section === 'tokens' ? 'page' : undefined}>
                Tokens
              </a>
              <a href="#/audit" aria-current={section === 'audit' ? 'page' : undefined}>
                Audit trail
              </a>
            </>
          )}
          <a href="#/me" aria-current={section === 'me' ? 'page' : undefined}>
            {me.person.displayName || me.person.login}
          </a>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {section === 'projects' && slug ? (
          <ProjectPage me={me} slug={slug} place={place} />
        ) : section === 'me' ? (
          <MePage me={me} onSignedOut={() => setMe(null)} />
        ) : section === 'people' && me.person.siteAdmin ? (
          <PeoplePage />
        ) : section === 'tokens' && me.person.siteAdmin ? (
          <TokensPage />
        ) : section === 'audit' && me.person.siteAdmin ? (
          <AuditPage />
        ) : !section || section === 'projects' ? (
          <ProjectsPage me={me} />
        ) : (
          <p>
            Nothing here. <a href={href('/')}>Back to the projects</a>
          </p>
        )}
      </main>
    </>
  );
}
