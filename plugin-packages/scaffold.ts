import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PLUGIN_NAME } from '../contract/subjects.js';
import { linkRoseySdk } from './install-package.js';

/** What `rosey plugin create --template` can start from. */
export const TEMPLATES = ['command', 'events'] as const;
export type Template = (typeof TEMPLATES)[number];

/** The files both templates share: package.json and .gitignore. */
function common(name: string): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name: `rosey-plugin-${name}`,
        private: true,
        type: 'module',
        scripts: { test: 'node node_modules/rosey/bin/run.js plugin test' },
      },
      null,
      2,
    )}\n`,
    // The link to Rosey is per machine, and packages are built next to the folder.
    '.gitignore': 'node_modules/\n*.roseyplug\n',
  };
}

/** An echo that hears the channel: repeats `echo …` lines, skipping its own and the platform's. */
function eventFiles(name: string): Record<string, string> {
  return {
    'manifest.yaml': `name: ${name}
version: 0.1.0
description: Repeats what is said after "echo".
entry: index.js
# events.chat: hear every chat line (docs/plugin-sdk.md#events); chat.send: say something on its own.
permissions: [events.chat, chat.send]
`,
    'index.js': `import { definePlugin } from 'rosey/sdk';

export default definePlugin({
  name: '${name}',
  commands: {},
  events: {
    // Every chat line, commands and the bot's own lines too: skip what is not for us.
    async message(m, ctx) {
      if (m.self || m.system || !m.text.startsWith('echo ')) return;
      await ctx.chat.send(\`\${m.user} said: \${m.text.slice('echo '.length)}\`);
    },
  },
});
`,
    [`test/${name}.test.js`]: `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testBot } from 'rosey/sdk/testing';
import plugin from '../index.js';

let bot;
before(async () => {
  bot = await testBot(plugin, { dir: new URL('..', import.meta.url) });
});
after(() => bot?.close());

test('repeats a line that starts with echo', async () => {
  const replies = await bot.say('echo hi there', { as: 'alice' });
  assert.deepEqual(
    replies.map((r) => r.text),
    ['alice said: hi there'],
  );
});

test('ignores other lines, and its own (no echo of an echo)', async () => {
  assert.deepEqual(await bot.say('hello', { as: 'alice' }), []);
  assert.deepEqual(await bot.say('echo loop', { as: 'Rosey', self: true }), []);
});
`,
    ...common(name),
    'README.md': `# ${name}

A Rosey plugin that hears the channel: it repeats what is said after \`echo \`.

## Events
- \`message\`: a line starting with \`echo \` is said back, with who said it.

## Permissions
- \`events.chat\`: hear chat lines.
- \`chat.send\`: say the echo in the channel.

## Develop
    npm test                   # its tests, against a real bus and database (rosey plugin test)
    rosey plugin build         # ${name}-0.1.0.roseyplug next to this folder
`,
  };
}

/** The files of a new plugin: a command using storage, its test, a manifest asking for storage only. */
function commandFiles(name: string): Record<string, string> {
  return {
    'manifest.yaml': `name: ${name}
version: 0.1.0
description: A Rosey plugin.
entry: index.js
# What the plugin may do beyond replying to its commands (docs/permissions.md); all else is denied.
permissions: [storage]
`,
    'index.js': `import { definePlugin } from 'rosey/sdk';

export default definePlugin({
  name: '${name}',
  commands: {
    hello: {
      usage: 'hello',
      description: 'Says hello and counts the greetings.',
      async run(ctx) {
        const count = await ctx.kv.incr('greetings');
        return \`Hello, \${ctx.user}! (greeting #\${count})\`;
      },
    },
  },
});
`,
    [`test/${name}.test.js`]: `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testBot } from 'rosey/sdk/testing';
import plugin from '../index.js';

let bot;
before(async () => {
  // A real NATS server, router and SQLite database, with the permissions of manifest.yaml.
  bot = await testBot(plugin, { dir: new URL('..', import.meta.url) });
});
// Unset when testBot could not start: its own error is the one to read, not a TypeError here.
after(() => bot?.close());

test('!hello greets the user and counts the greetings', async () => {
  assert.equal((await bot.say('!hello', { as: 'alice' }))[0].text, 'Hello, alice! (greeting #1)');
  assert.equal((await bot.say('!hello', { as: 'bob' }))[0].text, 'Hello, bob! (greeting #2)');
  assert.equal(await bot.kv.get('greetings'), 2);
});
`,
    ...common(name),
    'README.md': `# ${name}

A Rosey plugin.

## Commands
<!-- Keep this list in step with the commands in index.js. -->
- \`!hello\`: says hello and counts the greetings.

## Permissions
- \`storage\`: its key-value store (the greeting counter).

## Develop
    npm test                   # its tests, against a real bus and database (rosey plugin test)
    rosey plugin build         # ${name}-0.1.0.roseyplug next to this folder
    rosey plugin install ../${name}-0.1.0.roseyplug
`,
  };
}

/**
 * Creates `<parent>/<name>` with a working plugin and its test, and links `node_modules/rosey` to
 * this Rosey so its imports resolve (and editors find the SDK's types). Refuses an existing folder.
 */
export async function scaffoldPlugin(
  name: string,
  parent: string,
  template: Template = 'command',
): Promise<string> {
  if (!PLUGIN_NAME.test(name))
    throw new Error(
      `'${name}' is not a plugin name: lower-case letters and digits in dash-separated words, starting with a letter (max 32); not admin (Rosey's own)`,
    );
  const dir = resolve(parent, name);
  if (existsSync(dir)) throw new Error(`${dir} already exists: pick another name or folder`);
  try {
    const files = template === 'events' ? eventFiles(name) : commandFiles(name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(dir, file, '..'), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    await linkRoseySdk(dir);
  } catch (error) {
    // Half a plugin would block the next attempt ("already exists"): none at all.
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
