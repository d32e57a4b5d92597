import type { Channel, Listener } from './storage.js';

/** In-process fan-out of storage signals to subscribers. */
export class ListenerRegistry {
  private readonly byChannel = new Map<Channel, Set<Listener>>();

  add(channel: Channel, listener: Listener): () => void {
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(channel: Channel, payload: string): void {
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
