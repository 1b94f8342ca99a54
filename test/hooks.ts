import { stopSharedPostgres } from './support/databases.js';

/** Mocha root hooks: shared resources started on demand by some suites are stopped at the end. */
export const mochaHooks = {
  async afterAll(this: unknown): Promise<void> {
    await stopSharedPostgres();
  },
};
