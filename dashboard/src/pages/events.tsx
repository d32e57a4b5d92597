import { useState } from 'preact/hooks';
import type { Event } from '../api';
import { eventTypes, listEvents } from '../api/events';
import { CursorPager, DataTable, Dialog, Empty, ErrorBox, Loading, formatTime, useLoad } from '../ui';

export function EventsPage() {
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<Event | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  const types = useLoad(eventTypes, []);
  const list = useLoad(() => listEvents(type, cursor, 50), [type, cursor]);
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
        <DataTable
          rows={list.data.data}
          rowKey={(e) => e.id}
          columns={[
            { header: 'Type', class: 'mono small', cell: (e) => e.type },
            { header: 'When', class: 'small', cell: (e) => formatTime(e.timestamp) },
            { header: 'Id', class: 'mono small', cell: (e) => e.id },
            {
              header: 'Payload',
              hidden: true,
              cell: (e) => (
                <button type="button" class="ghost" aria-label={`View payload of ${e.type} ${e.id}`} onClick={() => setOpen(e)}>
                  Payload
                </button>
              ),
            },
          ]}
        />
      )}
      <CursorPager label="Event pages" cursors={cursors} setCursors={setCursors} next={list.data?.next_cursor} back="Newer" forward="Older" />
      <Dialog open={open !== null} title={open ? `${open.type} payload` : 'Payload'} onClose={() => setOpen(null)} wide>
        <pre>{JSON.stringify(open, null, 2)}</pre>
      </Dialog>
    </section>
  );
}
