/** The API key calls (`/api/workspace/api-keys…`). */
import { del, get, post, type Answer, type ApiKey, type Page } from '../api';

export const listApiKeys = () => get<Page<ApiKey>>('/api/workspace/api-keys?limit=100');
/** The answer carries `key`, shown only here. */
export const createApiKey = (name: string, scopes: string[]) => post<Answer<'/api/workspace/api-keys', 'post'>>('/api/workspace/api-keys', { name, scopes });
export const revokeApiKey = (id: string) => del(`/api/workspace/api-keys/${id}`);
