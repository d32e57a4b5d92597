import type { components, paths } from './openapi-types.js';

/** The API's objects, as the OpenAPI document names them. */
export type Schemas = components['schemas'];
export type Link = Schemas['Link'];
export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type Delivery = Schemas['Delivery'];
export type DeliveryDetail = Schemas['DeliveryDetail'];
export type Attempt = Schemas['Attempt'];
export type Domain = Schemas['Domain'];
export type Member = Schemas['Member'];
export type ApiKey = Schemas['ApiKey'];
export type Workspace = Schemas['Workspace'];
export type Integration = Schemas['Integration'];
export type Click = Schemas['Click'];
export type LinkStats = Schemas['LinkStats'];

/** Any event: an envelope whose `type` tells which `data` it carries (narrow with `event.type === …`). */
export type WebhookEvent = Schemas['Event'];
export type EventType = WebhookEvent['type'];
/** The envelope of one event type, e.g. `EventOf<'link.clicked'>`. */
export type EventOf<T extends EventType> = Extract<WebhookEvent, { type: T }>;

/** Query parameters of a GET path, e.g. `QueryOf<'/api/links'>`. */
export type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;
/** The JSON body of a request, e.g. `BodyOf<'/api/links', 'post'>`. */
export type BodyOf<P extends keyof paths, M extends 'post' | 'patch'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The JSON answer of a successful request (200, 201 or 202), e.g. `AnswerOf<'/api/links/{id}', 'get'>`; void when there is none (204). */
export type AnswerOf<P extends keyof paths, M extends 'get' | 'post' | 'patch' | 'delete'> = paths[P][M] extends { responses: infer R } ? SuccessJson<R> : never;
type SuccessJson<R> = R extends { 200: { content: { 'application/json': infer J } } }
  ? J
  : R extends { 201: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 202: { content: { 'application/json': infer J } } }
      ? J
      : void;
