/*
 * Linkwire's own name, icon and logo on the docs page (/docs): @fastify/swagger-ui otherwise
 * shows "Swagger UI" as the title, Swagger's favicons and Fastify's logo. The icon is the
 * dashboard's (dashboard/src/icon.svg); the logo adds the name beside it, in swagger-ui's top
 * bar (dark), so the text is white.
 */

const MARK =
  '<rect width="32" height="32" rx="7" fill="#3b5bdb"/><path d="M9 17a5 5 0 0 1 5-5h3v3h-3a2 2 0 0 0 0 4h3v3h-3a5 5 0 0 1-5-5zm8-5h1a5 5 0 0 1 0 10h-1v-3h1a2 2 0 0 0 0-4h-1z" fill="#fff"/>';

export const DOCS_TITLE = 'Linkwire API';

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><title>Linkwire</title>${MARK}</svg>`;

export const LOGO_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 172 32" width="172" height="32"><title>Linkwire API</title>${MARK}` +
  '<text x="42" y="23" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="20" font-weight="700" fill="#fff">Linkwire API</text></svg>';
