/** The custom-domain calls (`/api/domains…`). */
import { del, get, post, type Domain, type Page } from '../api';

export const listDomains = () => get<Page<Domain>>('/api/domains?limit=100');
export const addDomain = (hostname: string) => post<Domain>('/api/domains', { hostname });
/** Checks the TXT record now; the answer says whether it verified and, if not, why. */
export const verifyDomain = (id: string) => post<Domain>(`/api/domains/${id}/verify`);
export const deleteDomain = (id: string) => del(`/api/domains/${id}`);
