/**
 * The NATS client, as all of Rosey's code imports it. The build replaces the compiled file with a
 * single-file bundle of `@nats-io/transport-node` and what it loads (nats-core, nkeys, tweetnacl:
 * scripts/bundle-vendor.mjs): one module instead of 46, which holds about 5 MB less in every
 * process that connects (Rosey, each plugin process, each CLI command) and loads faster
 * (docs/benchmarks.md, issue 16). One module for everyone also keeps one copy of the client's
 * classes in a process, which its `instanceof` checks (headers, errors) rely on.
 */
export * from '@nats-io/transport-node';
