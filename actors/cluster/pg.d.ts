/**
 * `pg` ships no types (knex brings its own for what it wraps): the part of its `Client` the lease
 * uses, as pg 8's README describes it. The lease needs one session it controls itself, which knex's
 * pool would hide (a session advisory lock belongs to the connection that took it).
 */
declare module 'pg' {
  export interface ClientConfig {
    connectionString: string;
    application_name?: string;
    keepAlive?: boolean;
    keepAliveInitialDelayMillis?: number;
    connectionTimeoutMillis?: number;
    query_timeout?: number;
    statement_timeout?: number;
  }
  export interface QueryResult<R> {
    rows: R[];
  }
  export class Client {
    constructor(config: ClientConfig);
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'end', listener: () => void): this;
  }
  const pg: { Client: typeof Client };
  export default pg;
}
