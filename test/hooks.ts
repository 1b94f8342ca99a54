/**
 * Mocha root hooks: shared resources started on demand by some suites are stopped at the end.
 *
 * Nothing of Rosey is imported at the top: the mutation run loads this file before it switches a
 * module-level ("static") mutant on, so a module this file imported would never run its mutants.
 */
export const mochaHooks = {
  async afterAll(this: unknown): Promise<void> {
    const { stopSharedPostgres } = await import('./support/databases.js');
    await stopSharedPostgres();
  },
};
