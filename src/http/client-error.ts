import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Answers requests node's HTTP parser refused (headers too large, malformed, too slow) in the
 * API's error shape. A HEAD request gets the status and headers only: bytes after a HEAD
 * response's headers would be read as the start of the next response by the client.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'VALIDATION_ERROR', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'VALIDATION_ERROR', 'Request headers are too large']
        : [400, 'VALIDATION_ERROR', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  const head = isHeadRequest(err.rawPacket);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  }
  socket.destroy();
}

/** Whether the bytes that failed to parse start a HEAD request (the parser had not got as far as a method). */
function isHeadRequest(raw: unknown): boolean {
  return Buffer.isBuffer(raw) && raw.subarray(0, 5).toString('latin1') === 'HEAD ';
}
