import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WorkspaceChoice } from './api';

export interface Session {
  workspaces: WorkspaceChoice[];
  current: WorkspaceChoice | null;
  /** The signed-in user's id. */
  userId: string | null;
  /** The current workspace requires two-factor sign-in and this user has not set it up: only the Security page works. */
  twoFactorSetupRequired: boolean;
  /** Reloads the session (after login, logout or a workspace switch). */
  refresh: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);
export const useSession = (): Session => useContext(SessionContext)!;
