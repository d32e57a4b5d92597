import { AsyncLocalStorage } from 'node:async_hooks';
import { Type } from '@sinclair/typebox';

/**
 * Who caused an event (SPEC §4): a person, an API key, or Linkwire itself. For an API key,
 * `email` is its owner's when the key was made by a user.
 */
export interface Actor {
  type: 'user' | 'api_key' | 'system';
  id: string | null;
  email?: string;
}

export const ActorSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('system')]),
    id: Type.Union([Type.String(), Type.Null()], { description: 'The user’s or the API key’s id; null for the system' }),
    email: Type.Optional(Type.String({ description: 'The user’s email (for an API key, its maker’s), when there is one' })),
  },
  {
    description:
      'Who caused the event: a user (dashboard or session), an API key, or the system — a visit, a timer (link.expired without a visit), a health check, a failing endpoint',
  },
);

/** What the envelope shows for events no person or key caused (visits, timers, health checks). */
export const SYSTEM_ACTOR_JSON = '{"type":"system","id":null}';

/*
 * The actor of the API request being served. Set once per request (http/auth.ts) and read by
 * the Outbox when it writes an event, so every service that emits events attributes them
 * without each one passing the caller along. Only request handlers run inside it: redirects,
 * the click ingest and background jobs run outside and their events are the system's. A caller
 * that knows better says so with `NewEvent.actor`.
 */
const current = new AsyncLocalStorage<Actor>();

export function runAsActor<T>(actor: Actor, fn: () => T): T {
  return current.run(actor, fn);
}

export function currentActor(): Actor | null {
  return current.getStore() ?? null;
}

/** Stored form of an actor (null: the system). */
export function actorJson(actor: Actor | null): string | null {
  return actor ? JSON.stringify(actor) : null;
}
