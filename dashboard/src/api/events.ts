/** The event log and the event catalog (`/api/events`, `/api/event-types`). */
import { get, qs, type Answer, type Event, type Page } from '../api';

export const listEvents = (type: string, cursor: string | null, limit: number) => get<Page<Event>>(`/api/events${qs({ type, cursor, limit })}`);
/** Every event type with what it means. */
export const eventTypes = () => get<Answer<'/api/event-types', 'get'>>('/api/event-types');
