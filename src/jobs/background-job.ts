/** A background job: started after the listener is up, stopped before storage closes. */
export interface BackgroundJob {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}
