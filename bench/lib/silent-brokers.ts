import { createServer, type Server, type Socket } from 'node:net';

const SCHEMES = ['nats', 'redis', 'amqp', 'mqtt'] as const;

/**
 * Broker destinations that never answer: TCP servers on loopback that accept a connection and then
 * say nothing (no NATS INFO, no AMQP handshake, no CONNACK, no reply to a Redis command). A client
 * waits for its handshake or ack until the webhook's timeout, which is how a hung broker looks.
 * One port per destination, the schemes taken in turn.
 */
export class SilentBrokers {
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private bytes = 0;

  private constructor(private readonly servers: Server[]) {}

  static async start(count: number): Promise<SilentBrokers> {
    const servers: Server[] = [];
    const brokers = new SilentBrokers(servers);
    for (let i = 0; i < count; i++) {
      const server = createServer((socket) => brokers.hold(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    return brokers;
  }

  private hold(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('data', (chunk: Buffer) => (this.bytes += chunk.length));
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private portOf(i: number): number {
    return (this.servers[i]!.address() as { port: number }).port;
  }

  /** The i-th destination's webhook URL (a subject, stream, routing key or topic per scheme). */
  url(i: number): string {
    const port = this.portOf(i);
    switch (SCHEMES[i % SCHEMES.length]!) {
      case 'nats':
        return `nats://127.0.0.1:${port}/lw.dead.{link_id}`;
      case 'redis':
        return `redis://127.0.0.1:${port}/0?stream=lw-dead`;
      case 'amqp':
        return `amqp://127.0.0.1:${port}/?exchange=&routing_key=lw-dead`;
      case 'mqtt':
        return `mqtt://127.0.0.1:${port}/lw/dead/{link_id}`;
    }
  }

  /** LINKWIRE_DESTINATIONS allowing exactly these destinations. */
  destinations(): string {
    return this.servers.map((_, i) => `${SCHEMES[i % SCHEMES.length]}://127.0.0.1:${this.portOf(i)}`).join(',');
  }

  count(): { connections: number; bytes: number; openSockets: number } {
    return { connections: this.connections, bytes: this.bytes, openSockets: this.sockets.size };
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
