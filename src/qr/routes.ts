import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth.js';
import type { LinkService } from '../links/link-service.js';
import { qrText, QR_SIZE, renderQr } from './qr-code.js';
import { errors } from '../openapi/refs.js';

const QrQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('svg')])),
  size: Type.Optional(Type.Integer({ minimum: QR_SIZE.min, maximum: QR_SIZE.max })),
});

/** `GET /api/links/:id/qr?format=png|svg&size=` — the link's QR code (docs/api.md). */
export function qrRoutes(links: LinkService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      '/api/links/:id/qr',
      {
        schema: {
          summary: 'The link’s QR code (of short_url?qr=1, so scans count as qr.scanned)',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          querystring: QrQuery,
          response: {
            200: Type.Unsafe<Buffer | string>({
              description: 'The image',
              content: {
                'image/png': { schema: Type.String({ format: 'binary' }) },
                'image/svg+xml': { schema: Type.String() },
              },
            }),
            304: Type.Null({ description: 'Not modified (If-None-Match)' }),
            ...errors(400, 404),
          },
        },
      },
      async (request, reply) => {
        const link = await links.get(principalOf(request).workspaceId, request.params.id);
        const format = request.query.format ?? 'png';
        const size = request.query.size ?? QR_SIZE.default;
        const text = qrText(link.short_url);
        // The image depends only on these; a changed slug or domain changes the tag.
        const etag = `"${createHash('sha256').update(`${format}|${size}|${text}`).digest('base64url').slice(0, 27)}"`;
        // Private: the route needs a key, and the code changes when the link's slug or domain does.
        reply.header('cache-control', 'private, max-age=3600').header('etag', etag);
        if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
        const image = await renderQr(text, format, size);
        return reply
          .type(image.contentType)
          .header('content-disposition', `inline; filename="${link.slug}-qr.${format}"`)
          .send(image.body);
      },
    );
  };
}
