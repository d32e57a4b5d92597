import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WorkspaceChoice } from './api';

export interface Session {
  workspaces: WorkspaceChoice[];
  current: WorkspaceChoice | null;
  /** The signed-in user's id. */
  userId: string | null;
  /** Reloads the session (after login, logout or a workspace switch). */
  refresh: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);
export const useSession = (): Session => useContext(SessionContext)!;
