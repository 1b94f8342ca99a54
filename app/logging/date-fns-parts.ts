import { createRequire } from 'node:module';

/**
 * pino-roll does `require('date-fns')` for five functions; date-fns's index loads all of it, about
 * 300 modules: the largest set of modules Rosey's main process loads, and a tenth of its CPU before
 * it starts (issue 16). Each date-fns function also has a module of its own (`date-fns/format`), so
 * the index pino-roll gets is one that loads a function's own module when it is first read, and the
 * whole of date-fns only for a name that has none. Node documents adding entries to `require.cache`
 * for this. Imported before pino-roll (app/logging/log-file.ts).
 */
const require = createRequire(import.meta.url);
const index = require.resolve('date-fns', { paths: [require.resolve('pino-roll')] });

if (!require.cache[index]) {
  const own = (name: string): unknown => {
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) return undefined;
    try {
      return (require(`date-fns/${name}`) as Record<string, unknown>)[name];
    } catch {
      return undefined;
    }
  };
  const whole = (): Record<string | symbol, unknown> => {
    delete require.cache[index];
    return require(index) as Record<string | symbol, unknown>;
  };
  const exports = new Proxy<Record<string | symbol, unknown>>(
    {},
    { get: (_, name) => (typeof name === 'string' ? own(name) : undefined) ?? whole()[name] },
  );
  require.cache[index] = { id: index, filename: index, loaded: true, exports } as NodeJS.Module;
}
