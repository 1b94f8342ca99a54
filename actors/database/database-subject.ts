/**
 * The database services' subjects all have one shape, `rosey.db.<service>.<plugin>.<op>`
 * (`rosey.db.kv.quote-db.get`, `rosey.db.migrate.quote-db.apply`, `rosey.db.schema.quote-db.changed`):
 * read here once, so storage and the migrator cannot come to disagree about which token is which.
 */
export interface DatabaseSubject {
  service: string;
  plugin: string;
  op: string;
}

/** The tokens of a database service's subject, or undefined when it is not one. */
export function readDatabaseSubject(subject: string): DatabaseSubject | undefined {
  const [rosey, db, service, plugin, op, ...rest] = subject.split('.');
  if (rosey !== 'rosey' || db !== 'db' || !service || !plugin || !op || rest.length > 0) return undefined;
  return { service, plugin, op };
}

/**
 * Whether `name` is one of the operations of a table of them (the contract's `kvRequests`,
 * `migrateRequests`, …): a subject's last token is only a string until checked against one.
 */
export function isOperation<Table extends object>(
  table: Table,
  name: string,
): name is Extract<keyof Table, string> {
  return Object.hasOwn(table, name);
}
