import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on: bound by the system's choice, then closed. Connections to it
 * are refused until someone (a broker the test starts itself) takes it.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
