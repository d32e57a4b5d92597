/** The workspace's own settings (`/api/workspace`). */
import { get, patch, type Body, type Workspace } from '../api';

export const getWorkspace = () => get<Workspace>('/api/workspace');
export const updateWorkspace = (body: Body<'/api/workspace', 'patch'>) => patch<Workspace>('/api/workspace', body);
