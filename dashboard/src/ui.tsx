import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

let fieldCounter = 0;
export const useId = (prefix: string) => useRef(`${prefix}-${++fieldCounter}`).current;

/** A labelled control with its API error beside it (the error envelope's field details). */
export function Field(props: { label: string; error?: string | undefined; hint?: string; children: (id: string, describedBy: string | undefined) => ComponentChildren }) {
  const id = useId('f');
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = [props.error ? errId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && <small id={hintId} class="hint">{props.hint}</small>}
      {props.error && <small id={errId} class="field-error" role="alert">{props.error}</small>}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value'> & { value: string; onValue: (v: string) => void };

export function TextField(props: { label: string; error?: string | undefined; hint?: string } & InputProps) {
  const { label, error, hint, value, onValue, ...rest } = props;
  return (
    <Field label={label} error={error} {...(hint ? { hint } : {})}>
      {(id, describedBy) => (
        <input id={id} aria-describedby={describedBy} aria-invalid={error ? 'true' : undefined} value={value} onInput={(e) => onValue(e.currentTarget.value)} {...rest} />
      )}
    </Field>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  return (
    <label class="check">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
      <span>
        {props.label}
        {props.hint && <small class="hint block">{props.hint}</small>}
      </span>
    </label>
  );
}

/** The error of a failed call, in words; field errors are shown by the fields themselves. */
/** A labelled select over `options` with an "all" choice first (value ""): the pages' list filters. */
export function ChoiceSelect(props: { label: string; all: string; value: string; options: readonly { value: string; label: string }[]; onChange: (value: string) => void }) {
  return (
    <label>
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.all}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ErrorBox(props: { error: unknown }) {
  if (!props.error) return null;
  const message = props.error instanceof Error ? props.error.message : 'Something went wrong.';
  return <p class="error-box" role="alert">{message}</p>;
}

export const fieldErrors = (err: unknown): Record<string, string> => (err instanceof ApiError ? err.fields : {});

/** A real modal <dialog>: focus moves in, Escape closes it, focus returns after. */
export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class={props.wide ? 'wide' : ''} aria-label={props.title} onClose={props.onClose}>
      {props.open && (
        <>
          <header class="dialog-head">
            <h2>{props.title}</h2>
            <button type="button" class="ghost" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          {props.children}
        </>
      )}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: { open: boolean; title: string; message: string; confirm: string; onConfirm: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" class="ghost" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await props.onConfirm();
              props.onClose();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * Copies text. `navigator.clipboard` exists only on HTTPS and localhost; elsewhere the text is
 * selected in a read-only field and copied with execCommand, and stays selected for Ctrl+C.
 */
export async function copyText(text: string, fallbackInput: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection fallback
  }
  if (!fallbackInput) return false;
  fallbackInput.focus();
  fallbackInput.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** A value shown in a read-only field with a Copy button beside it. */
export function CopyField(props: { label: string; value: string; secret?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const id = useId('copy');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="copy-row">
        <input id={id} ref={input} readOnly value={props.value} class={props.secret ? 'mono secret' : 'mono'} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={async () => setState((await copyText(props.value, input.current)) ? 'copied' : 'manual')}
        >
          Copy
        </button>
      </div>
      <small class="hint" aria-live="polite">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'manual' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </small>
    </div>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p class="loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}

/**
 * Back and forward through a cursor-paginated list: `cursors` is the stack of cursors that led to
 * the current page (the first page's is null), `next` the API's `next_cursor`.
 */
export function CursorPager(props: {
  label: string;
  cursors: (string | null)[];
  setCursors: (cursors: (string | null)[]) => void;
  next: string | null | undefined;
  back: string;
  forward: string;
  showPage?: boolean;
}) {
  const { cursors, setCursors, next } = props;
  return (
    <nav class="pager" aria-label={props.label}>
      <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
        {props.back}
      </button>
      {props.showPage && <span>Page {cursors.length}</span>}
      <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
        {props.forward}
      </button>
    </nav>
  );
}

export const formatTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/**
 * A form's submit: prevents the browser's own, marks the form busy while `action` runs and keeps
 * what it threw as the form's error (shown by ErrorBox and fieldErrors).
 */
export function useSubmit(action: () => Promise<void>): { submit: (e: Event) => Promise<void>; busy: boolean; error: unknown } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { submit, busy, error };
}

/** Loads data on mount and whenever a dependency changes; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: unknown; loading: boolean; reload: () => void; setData: (d: T) => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1), setData };
}

/** One column of a DataTable: its header (`hidden`: for screen readers only, e.g. a row's buttons) and each row's cell. */
export interface TableColumn<T> {
  header: string;
  hidden?: boolean;
  /** The class of the header and of every cell (`num`, `small`, `mono small`, `actions`). */
  class?: string;
  cell: (row: T) => ComponentChildren;
}

/** The dashboard's list table: scrolls sideways on a narrow screen, one row per item, headers scoped to their columns. */
export function DataTable<T>(props: { rows: readonly T[]; columns: readonly TableColumn<T>[]; rowKey: (row: T) => string; class?: string; rowAttributes?: (row: T) => Record<string, string> }) {
  return (
    <div class="table-wrap">
      <table class={props.class}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.header} scope="col" class={c.class?.includes('num') ? 'num' : undefined}>
                {c.hidden ? <span class="sr-only">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)} {...props.rowAttributes?.(row)}>
              {props.columns.map((c) => (
                <td key={c.header} class={c.class}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
