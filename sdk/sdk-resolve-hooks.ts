/**
 * Module resolution hooks of a plugin process (registered by the runner before the plugin's entry
 * is imported): `rosey/sdk` (and `rosey/sdk/testing`) means the SDK of the Rosey that runs the
 * plugin, wherever the plugin's folder is. A plugin folder therefore needs no node_modules of its
 * own to import the SDK.
 */
const SDK_URLS: Record<string, string> = {
  'rosey/sdk': new URL('./index.js', import.meta.url).href,
  'rosey/sdk/testing': new URL('./testing/index.js', import.meta.url).href,
};

type NextResolve = (specifier: string, context: unknown) => unknown;

export function resolve(specifier: string, context: unknown, nextResolve: NextResolve): unknown {
  const url = Object.hasOwn(SDK_URLS, specifier) ? SDK_URLS[specifier] : undefined;
  if (url) return { url, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
