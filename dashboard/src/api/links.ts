/** The links calls (`/api/links…`): the list, one link, its clicks, monitor, QR code and link-scoped webhooks. */
import { del, get, patch, post, qs, type Answer, type Body, type Link, type LinkMonitor, type Page, type Webhook } from '../api';

export interface LinkFilters {
  search?: string;
  tag?: string;
  domain?: string;
}

export const listLinks = (filters: LinkFilters, limit: number, cursor: string | null = null) => get<Page<Link>>(`/api/links${qs({ ...filters, limit, cursor })}`);
export const getLink = (id: string) => get<Link>(`/api/links/${id}`);
export const createLink = (body: Body<'/api/links', 'post'>) => post<Link>('/api/links', body);
export const updateLink = (id: string, body: Body<'/api/links/{id}', 'patch'>) => patch<Link>(`/api/links/${id}`, body);
export const deleteLink = (id: string) => del(`/api/links/${id}`);
/** All or nothing: one bad link refuses the whole batch. */
export const createLinks = (links: Body<'/api/links', 'post'>[]) => post<Answer<'/api/links/bulk', 'post'>>('/api/links/bulk', { links });

export const recentClicks = (id: string, limit: number) => get<Answer<'/api/links/{id}/clicks', 'get'>>(`/api/links/${id}/clicks${qs({ limit })}`);
export const linkMonitor = (id: string) => get<LinkMonitor>(`/api/links/${id}/monitor`);
export const linkStats = (id: string, interval: 'all' | 'hour' | 'day') => get<Answer<'/api/links/{id}/stats', 'get'>>(`/api/links/${id}/stats${qs({ interval })}`);
/** The QR code's address (an image or a download, not a fetch). */
export const qrCodeUrl = (id: string, format: 'svg' | 'png') => `/api/links/${id}/qr${qs({ format })}`;

export const linkWebhooks = (id: string) => get<Page<Webhook>>(`/api/links/${id}/webhooks`);
export const addLinkWebhook = (id: string, body: Body<'/api/links/{id}/webhooks', 'post'>) => post<Webhook>(`/api/links/${id}/webhooks`, body);
export const removeLinkWebhook = (id: string, webhookId: string) => del(`/api/links/${id}/webhooks/${webhookId}`);
