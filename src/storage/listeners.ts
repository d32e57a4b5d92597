import type { Channel, Listener } from './storage.js';

/** In-process fan-out of storage signals to subscribers. */
export class ListenerRegistry {
  private readonly byChannel = new Map<Channel, Set<Listener>>();

  /** `forward`: also carries each signal emitted here elsewhere (another thread on the same database). */
  constructor(private readonly forward?: (channel: Channel, payload: string) => void) {}

  add(channel: Channel, listener: Listener): () => void {
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(channel: Channel, payload: string): void {
    this.deliver(channel, payload);
    this.forward?.(channel, payload);
  }

  /** To this registry's subscribers only (a signal that arrived from elsewhere). */
  deliver(channel: Channel, payload: string): void {
    const set = this.byChannel.get(channel);
    if (!set) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch {
        // A listener's failure must not stop the others or the committing caller.
      }
    }
  }
}
