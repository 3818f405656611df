import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** In the order they run; a new migration is appended here. */
export const MIGRATIONS = [InitialSchema1764000000000];
