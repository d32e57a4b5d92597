import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The test CA and the server certificate it signed (see test/fixtures/tls/README.md).
 * The server certificate is valid for 127.0.0.1, ::1, localhost, lw.test and *.lw.test.
 */
export interface TlsFixtures {
  ca: string;
  cert: string;
  key: string;
}

export function loadTlsFixtures(): TlsFixtures {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server-key.pem') };
}
