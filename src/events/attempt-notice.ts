/*
 * The attempt as the live event stream shows it: written by the delivery result writer, carried
 * from the worker thread to the stream. A plain type here, low in events/, so the stream and the
 * thread bridge need not import the delivery engine to name it.
 */

/** What the live event stream learns of each attempt. */
export interface AttemptNotice {
  id: string;
  workspace_id: string;
  delivery_id: string;
  webhook_id: string;
  event_id: string | null;
  event_type: string | null;
  attempt: number;
  /** The delivery's status after this attempt: succeeded, pending (a retry is scheduled) or failed. */
  status: 'succeeded' | 'pending' | 'failed';
  status_code: number | null;
  response_time_ms: number;
  error: string | null;
  started_at: number;
}
