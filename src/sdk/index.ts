/**
 * `linkwire/sdk`: a typed client for the Linkwire API and `verifyWebhook` for its deliveries.
 * Runs wherever fetch and WebCrypto exist; imports nothing from the server. Guide: docs/sdk.md.
 */
export { createClient, paginate, signup, type ClientOptions, type LinkwireClient, type Page, type Paginated } from './client.js';
export { LinkwireError, WebhookVerificationError, type ErrorEnvelope, type WebhookVerificationReason } from './errors.js';
export { verifyWebhook, type VerifyWebhookOptions, type WebhookHeaders } from './verify-webhook.js';
export type * from './types.js';
export type { components, paths, webhooks } from './openapi-types.js';
