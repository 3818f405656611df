import type { Me } from '../api';
import type { Place } from '../router';

/** Whether this person may change things in this project (manager or site administrator). */
export function canManage(me: Me, slug: string): boolean {
  if (me.person.siteAdmin || me.projects === 'all') return true;
  return me.projects.some((project) => project.slug === slug && project.role === 'manager');
}

/** What every page of a project is given: who is looking, at which project, and whether they may change it. */
export interface ProjectProps {
  me: Me;
  slug: string;
  place: Place;
  manage: boolean;
}
