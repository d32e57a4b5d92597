/**
 * The child side of the bench's IPC: a helper process (receiver, load generator, …) reads its
 * configuration from BENCH_CONFIG, answers `{rpcId, cmd}` messages, and exits on its own when
 * its parent goes away or its lifetime runs out — so nothing it starts can outlive the suite.
 */
export function helperConfig<T>(): T {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) throw new Error('BENCH_CONFIG is not set');
  return JSON.parse(raw) as T;
}

export type Handlers = Record<string, (args: any) => unknown>;

export function serveRpc(handlers: Handlers, maxLifetimeMs = 3 * 3600_000): void {
  if (!process.send) throw new Error('a bench helper must be started with an IPC channel');
  process.on('message', (m: any) => {
    if (!m || typeof m.rpcId !== 'number') return;
    const handler = handlers[m.cmd as string];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${String(m.cmd)}`);
        return handler(m);
      })
      .then(
        (result) => process.send?.({ rpcId: m.rpcId, result }),
        (err: unknown) => process.send?.({ rpcId: m.rpcId, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => {
    process.stderr.write('bench helper: lifetime exceeded, exiting\n');
    process.exit(3);
  }, maxLifetimeMs).unref();
}

export function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

/**
 * Milliseconds on the system-wide monotonic clock (CLOCK_MONOTONIC on Linux): sub-millisecond and
 * directly comparable between processes on this machine, unlike performance.timeOrigin, which each
 * process estimates for itself at start.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
