import { useState } from 'preact/hooks';
import { get, qs, type EventType, type Page } from '../api';
import { CursorPager, Dialog, Empty, ErrorBox, Loading, formatTime, useLoad } from '../ui';

interface EventEnvelope {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

export function EventsPage() {
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<EventEnvelope | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const types = useLoad(() => get<{ data: EventType[] }>('/api/event-types'), []);
  const list = useLoad(() => get<Page<EventEnvelope>>(`/api/events${qs({ type, cursor, limit: 50 })}`), [type, cursor]);
  return (
    <section>
      <h1>Events</h1>
      <p class="muted">Everything that happened in this workspace in the last 30 days, newest first.</p>
      <div class="filters">
        <label>
          <span>Type</span>
          <select
            value={type}
            onChange={(e) => {
              setType(e.currentTarget.value);
              setCursors([null]);
            }}
          >
            <option value="">All types</option>
            {(types.data?.data ?? []).map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={list.error} />
      {!list.data && <Loading />}
      {list.data?.data.length === 0 && <Empty title="No events">Create a link or click one: events appear here.</Empty>}
      {list.data && list.data.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">When</th>
                <th scope="col">Id</th>
                <th scope="col">
                  <span class="sr-only">Payload</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((e) => (
                <tr key={e.id}>
                  <td class="mono small">{e.type}</td>
                  <td class="small">{formatTime(e.timestamp)}</td>
                  <td class="mono small">{e.id}</td>
                  <td>
                    <button type="button" class="ghost" aria-label={`View payload of ${e.type} ${e.id}`} onClick={() => setOpen(e)}>
                      Payload
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CursorPager label="Event pages" cursors={cursors} setCursors={setCursors} next={list.data?.next_cursor} back="Newer" forward="Older" />
      <Dialog open={open !== null} title={open ? `${open.type} payload` : 'Payload'} onClose={() => setOpen(null)} wide>
        <pre>{JSON.stringify(open, null, 2)}</pre>
      </Dialog>
    </section>
  );
}
