/**
 * Module resolution hooks of a plugin process (registered by the runner before the plugin's entry
 * is imported): `rosey/sdk` means the SDK of the Rosey that runs the plugin, wherever the plugin's
 * folder is. A plugin folder therefore needs no node_modules of its own to import the SDK.
 */
const SDK_URL = new URL('./index.js', import.meta.url).href;

type NextResolve = (specifier: string, context: unknown) => unknown;

export function resolve(specifier: string, context: unknown, nextResolve: NextResolve): unknown {
  if (specifier === 'rosey/sdk') return { url: SDK_URL, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
