// Every side effect the workflows ask for, built from their dependencies. One module per stage.
import type { Db } from '../infra/db';
import { selectionActivities } from './selection';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...selectionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
