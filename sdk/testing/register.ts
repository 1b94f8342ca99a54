/**
 * Lets a plugin's own tests import `rosey/sdk` and `rosey/sdk/testing` without a `node_modules/rosey`
 * in the plugin's folder, as the plugin process does:
 *
 *   node --import <rosey>/dist/kernel/sdk/testing/register.js --test
 */
import { register } from 'node:module';

register(new URL('../sdk-resolve-hooks.js', import.meta.url));
