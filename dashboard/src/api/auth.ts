/** Signing in and out, and the session (`/api/auth…`). */
import { get, post, type Answer, type Body } from '../api';

export const currentSession = () => get<Answer<'/api/auth/session', 'get'>>('/api/auth/session');
export const switchWorkspace = (workspaceId: string) => post('/api/auth/switch-workspace', { workspace_id: workspaceId });
export const logOut = () => post('/api/auth/logout');
export const signUp = (body: Body<'/api/auth/signup', 'post'>) => post('/api/auth/signup', body);
export const logIn = (body: Body<'/api/auth/login', 'post'>) => post('/api/auth/login', body);
export const forgotPassword = (email: string) => post('/api/auth/forgot-password', { email });
export const acceptInvitation = (token: string, password: string) => post('/api/auth/accept-invite', { token, password });
export const resetPassword = (token: string, password: string) => post('/api/auth/reset-password', { token, password });
