import { expect } from 'chai';
import type { PluginAnnouncement } from '../../contract/messages/commands.js';
import {
  checkCooldown,
  cooldownKey,
  markWarned,
  pruneCooldowns,
  startCooldown,
} from '../../actors/router/cooldowns.js';
import { helpText } from '../../actors/router/help.js';
import {
  announce,
  emptyRegistry,
  lookup,
  markDown,
  route,
  unpin,
  visibleCommands,
} from '../../actors/router/registry.js';

const dice = (generation = 1): PluginAnnouncement => ({
  plugin: 'dice',
  generation,
  version: `1.0.${generation}`,
  pid: 1,
  commands: [
    { name: 'roll', usage: 'roll NdS', description: 'Roll dice', minRank: 0, aliases: ['r'] },
    { name: 'flip', usage: 'flip', description: '', minRank: 0, aliases: [] },
  ],
});

const admin: PluginAnnouncement = {
  plugin: 'admin',
  generation: 1,
  version: '1.0.0',
  pid: 2,
  commands: [
    { name: 'kick', usage: 'kick USER', description: 'Kick a user', minRank: 2, aliases: [] },
    { name: 'roll', usage: 'roll', description: 'steals roll', minRank: 0, aliases: ['help'] },
  ],
};

describe('router: command registry', () => {
  it('registers commands and aliases from an announcement', () => {
    const { registry } = announce(emptyRegistry(), dice());
    expect(lookup(registry, 'roll')?.plugin).to.equal('dice');
    expect(lookup(registry, 'r')?.name).to.equal('roll');
    expect(lookup(registry, 'nope')).to.equal(undefined);
    expect(lookup(registry, 'constructor')).to.equal(undefined);
  });

  it('keeps names owned by another plugin or reserved by the router, and reports the conflicts', () => {
    const first = announce(emptyRegistry(), dice()).registry;
    const { registry, conflicts } = announce(first, admin);
    expect(conflicts).to.deep.equal(['roll', 'help']);
    expect(lookup(registry, 'roll')?.plugin).to.equal('dice');
    expect(lookup(registry, 'kick')?.plugin).to.equal('admin');
  });

  it('a newer generation replaces the commands of the older; an older one never wins', () => {
    const v1 = announce(emptyRegistry(), dice(1)).registry;
    const v2 = announce(v1, { ...dice(2), commands: [dice().commands[0]!] }).registry;
    expect(lookup(v2, 'flip')).to.equal(undefined);
    expect(v2.plugins.dice?.generation).to.equal(2);
    const stale = announce(v2, dice(1)).registry;
    expect(stale.plugins).to.equal(v2.plugins);
    expect(stale.commands).to.equal(v2.commands);
    expect(Object.keys(stale.standby.dice ?? {})).to.deep.equal(['1']);
  });

  it('a pinned route ignores other generations until it is switched, and can switch back', () => {
    const v1 = announce(emptyRegistry(), dice(1)).registry;
    const pinned = route(v1, 'dice', 1);
    if (!pinned.ok) throw new Error(pinned.reason);
    const staged = announce(pinned.registry, { ...dice(2), commands: [dice().commands[0]!] }).registry;
    expect(staged.plugins.dice?.generation).to.equal(1);
    expect(lookup(staged, 'flip')?.plugin).to.equal('dice');
    const switched = route(staged, 'dice', 2);
    if (!switched.ok) throw new Error(switched.reason);
    expect(switched.previous).to.equal(1);
    expect(switched.registry.plugins.dice?.generation).to.equal(2);
    expect(lookup(switched.registry, 'flip')).to.equal(undefined);
    // The old generation waits on standby: a rollback is one more switch.
    const back = route(switched.registry, 'dice', 1);
    if (!back.ok) throw new Error(back.reason);
    expect(back.registry.plugins.dice?.generation).to.equal(1);
    expect(lookup(back.registry, 'flip')?.plugin).to.equal('dice');
    // Unpinned, the newest announcement takes the route again.
    const free = announce(unpin(back.registry, 'dice'), dice(3)).registry;
    expect(free.plugins.dice?.generation).to.equal(3);
  });

  it('refuses to route to a generation that never announced itself or went down', () => {
    const v1 = announce(emptyRegistry(), dice(1)).registry;
    expect(route(v1, 'dice', 2)).to.deep.equal({
      ok: false,
      reason: 'dice generation 2 has not announced itself',
    });
    expect(route(v1, 'other', 1)).to.deep.equal({
      ok: false,
      reason: 'other generation 1 has not announced itself',
    });
    expect(route(markDown(v1, 'dice', 1), 'dice', 1)).to.deep.equal({
      ok: false,
      reason: 'dice generation 1 is down',
    });
    const staged = announce(route(v1, 'dice', 1).ok ? v1 : v1, dice(2)).registry;
    expect(Object.keys(markDown(staged, 'dice', 1).standby.dice ?? {})).to.deep.equal([]);
  });

  it('marks a plugin down for its own generation only and hides it from the help list', () => {
    const registry = announce(emptyRegistry(), dice(2)).registry;
    expect(markDown(registry, 'dice', 1)).to.equal(registry);
    const down = markDown(registry, 'dice', 2);
    expect(down.plugins.dice?.available).to.equal(false);
    expect(lookup(down, 'roll')).to.not.equal(undefined);
    expect(visibleCommands(down, 10)).to.deep.equal([]);
  });

  it('lists the commands a rank may use', () => {
    const registry = announce(announce(emptyRegistry(), dice()).registry, {
      ...admin,
      commands: [admin.commands[0]!],
    }).registry;
    expect(visibleCommands(registry, 0).map((c) => c.name)).to.deep.equal(['flip', 'roll']);
    expect(visibleCommands(registry, 2).map((c) => c.name)).to.deep.equal(['flip', 'kick', 'roll']);
  });
});

describe('router: help', () => {
  const registry = announce(announce(emptyRegistry(), dice()).registry, {
    ...admin,
    commands: [admin.commands[0]!],
  }).registry;

  it('!help lists the commands for the asker rank', () => {
    expect(helpText(registry, '!', 0)).to.equal('Commands: !flip, !roll — !help <command> for details.');
    expect(helpText(registry, '!', 3)).to.include('!kick');
  });

  it('!help <command> explains one command, with or without the prefix, aliases included', () => {
    expect(helpText(registry, '!', 0, 'roll')).to.equal('!roll NdS — Roll dice (also !r)');
    expect(helpText(registry, '!', 0, '!ROLL')).to.equal('!roll NdS — Roll dice (also !r)');
    expect(helpText(registry, '!', 0, 'help')).to.include('!help [command]');
  });

  it('does not reveal commands above the asker rank', () => {
    expect(helpText(registry, '!', 0, 'kick')).to.equal('No command !kick. Try !help.');
    expect(helpText(registry, '!', 2, 'kick')).to.equal('!kick USER — Kick a user');
  });

  it('works with a prefix that is a regex metacharacter', () => {
    expect(helpText(registry, '$', 0, '$roll')).to.match(/^\$roll NdS/);
  });

  it('says so when nothing is available', () => {
    expect(helpText(emptyRegistry(), '!', 0)).to.equal('No commands are available right now.');
  });
});

describe('router: cooldowns', () => {
  const key = cooldownKey('console', 'main', 'Alice', 'roll');

  it('is per user (case-insensitive), per command and per channel', () => {
    expect(key).to.equal(cooldownKey('console', 'main', 'alice', 'roll'));
    expect(key).to.not.equal(cooldownKey('console', 'main', 'alice', 'flip'));
    expect(key).to.not.equal(cooldownKey('console', 'other', 'alice', 'roll'));
  });

  it('warns once while cooling down, then stays silent, then allows again', () => {
    let table = startCooldown({}, key, 1000, 3000);
    const first = checkCooldown(table, key, 1500);
    expect(first).to.deep.equal({ kind: 'warn', remainingMs: 2500 });
    table = markWarned(table, key);
    expect(checkCooldown(table, key, 2000)).to.deep.equal({ kind: 'silent' });
    expect(checkCooldown(table, key, 4000)).to.deep.equal({ kind: 'ok' });
  });

  it('a zero cooldown records nothing, and pruning drops expired entries', () => {
    expect(startCooldown({}, key, 0, 0)).to.deep.equal({});
    const table = startCooldown(startCooldown({}, key, 0, 10), 'other', 0, 1000);
    expect(Object.keys(pruneCooldowns(table, 500))).to.deep.equal(['other']);
  });
});

describe('router: command registry edges', () => {
  const named = (plugin: string, generation: number, ...names: string[]): PluginAnnouncement => ({
    plugin,
    generation,
    version: `1.0.${generation}`,
    pid: generation,
    commands: names.map((name) => ({ name, usage: name, description: '', minRank: 0, aliases: [] })),
  });

  it('names that Object.prototype has are plain names: a plugin or command called constructor', () => {
    // The registry's records are plain objects: `commands['constructor']` is Object's own function,
    // which made a command of that name a "conflict" with nobody.
    const { registry, conflicts } = announce(
      emptyRegistry(),
      named('constructor', 1, 'constructor', 'tostring'),
    );
    expect(conflicts).to.deep.equal([]);
    expect(lookup(registry, 'constructor')?.plugin).to.equal('constructor');
    const name: string = 'constructor';
    expect(registry.plugins[name]?.commands.map((c) => c.name)).to.deep.equal(['constructor', 'tostring']);
    expect(route(emptyRegistry(), 'constructor', 1)).to.deep.equal({
      ok: false,
      reason: 'constructor generation 1 has not announced itself',
    });
  });

  it('a restart of the routed generation refreshes its commands', () => {
    const first = announce(emptyRegistry(), named('dice', 2, 'roll', 'flip')).registry;
    const again = announce(first, named('dice', 2, 'roll')).registry;
    expect(lookup(again, 'flip')).to.equal(undefined);
    expect(again.standby).to.deep.equal({});
  });

  it('a plugin owns only the commands whose own name it got; an alias it got still routes', () => {
    const first = announce(emptyRegistry(), dice()).registry;
    const { registry, conflicts } = announce(first, {
      ...named('admin', 1, 'roll', 'kick'),
      commands: [
        { name: 'roll', usage: 'roll', description: '', minRank: 0, aliases: ['dice'] },
        { name: 'kick', usage: 'kick', description: '', minRank: 0, aliases: [] },
      ],
    });
    expect(conflicts).to.deep.equal(['roll']);
    expect(registry.plugins.admin?.commands.map((c) => c.name)).to.deep.equal(['kick']);
    expect(lookup(registry, 'dice')).to.include({ plugin: 'admin', name: 'roll' });
  });

  it('a generation that went down is not kept on standby when a newer one takes over', () => {
    const v1 = markDown(announce(emptyRegistry(), dice(1)).registry, 'dice', 1);
    const v2 = announce(v1, dice(2)).registry;
    expect(v2.plugins.dice).to.include({ generation: 2, available: true });
    expect(v2.standby).to.deep.equal({});
    // …while a live one is, so a switch back is possible.
    const live = announce(announce(emptyRegistry(), dice(1)).registry, dice(2)).registry;
    expect(Object.keys(live.standby.dice ?? {})).to.deep.equal(['1']);
  });

  it('routing to the routed generation pins it and names it as the previous one', () => {
    const v1 = announce(emptyRegistry(), dice(1)).registry;
    const result = route(v1, 'dice', 1);
    expect(result).to.deep.include({ ok: true, previous: 1, conflicts: [] });
    if (!result.ok) throw new Error(result.reason);
    expect(result.registry.pinned).to.deep.equal({ dice: 1 });
    expect(result.registry.commands).to.equal(v1.commands);
    expect(unpin(result.registry, 'dice').pinned).to.deep.equal({});
    expect(unpin(v1, 'dice')).to.equal(v1);
  });

  it('a switch reports the names the new generation cannot take, and leaves no empty standby entry', () => {
    const base = announce(announce(emptyRegistry(), dice(1)).registry, named('coin', 1, 'toss')).registry;
    const pinned = route(base, 'dice', 1);
    if (!pinned.ok) throw new Error(pinned.reason);
    const staged = announce(pinned.registry, named('dice', 2, 'roll', 'toss')).registry;
    expect(Object.keys(staged.standby.dice ?? {})).to.deep.equal(['2']);
    const switched = route(staged, 'dice', 2);
    expect(switched).to.deep.include({ ok: true, previous: 1, conflicts: ['toss'] });
    if (!switched.ok) throw new Error(switched.reason);
    expect(Object.keys(switched.registry.standby.dice ?? {})).to.deep.equal(['1']);
    const gone = markDown(switched.registry, 'dice', 1);
    expect(gone.standby).to.not.have.property('dice');
    expect(markDown(gone, 'dice', 1)).to.equal(gone);
  });

  it('a stale announcement of a pinned plugin waits on standby, whatever its generation', () => {
    const pinned = route(announce(emptyRegistry(), dice(2)).registry, 'dice', 2);
    if (!pinned.ok) throw new Error(pinned.reason);
    const older = announce(pinned.registry, dice(1));
    expect(older.registry.plugins.dice?.generation).to.equal(2);
    expect(Object.keys(older.registry.standby.dice ?? {})).to.deep.equal(['1']);
    expect(older.conflicts).to.deep.equal([]);
  });

  it('forgetting one standby generation keeps the others, and other plugins’ standby and pins', () => {
    // Generation 3 routed; 1 and 2 announced late and wait on standby; coin has one waiting too.
    let registry = announce(emptyRegistry(), dice(3)).registry;
    registry = announce(announce(registry, dice(1)).registry, dice(2)).registry;
    registry = announce(
      announce(registry, named('coin', 2, 'toss')).registry,
      named('coin', 1, 'toss'),
    ).registry;
    const down = markDown(registry, 'dice', 1);
    expect(Object.keys(down.standby.dice ?? {})).to.deep.equal(['2']);
    expect(Object.keys(down.standby.coin ?? {})).to.deep.equal(['1']);
    const one = route(registry, 'dice', 3);
    if (!one.ok) throw new Error(one.reason);
    const both = route(one.registry, 'coin', 2);
    if (!both.ok) throw new Error(both.reason);
    expect(both.registry.pinned).to.deep.equal({ dice: 3, coin: 2 });
    expect(unpin(both.registry, 'dice').pinned).to.deep.equal({ coin: 2 });
  });

  it('the pinned generation announcing itself again (a restart) refreshes its commands', () => {
    const pinned = route(announce(emptyRegistry(), named('dice', 2, 'roll', 'flip')).registry, 'dice', 2);
    if (!pinned.ok) throw new Error(pinned.reason);
    const again = announce(pinned.registry, named('dice', 2, 'roll'));
    expect(lookup(again.registry, 'flip')).to.equal(undefined);
    expect(again.registry.plugins.dice?.commands.map((c) => c.name)).to.deep.equal(['roll']);
    expect(again.registry.standby).to.deep.equal({});
  });

  it('lists a command once, under its own name, for a rank at or above its minimum', () => {
    const registry = announce(emptyRegistry(), admin).registry;
    expect(visibleCommands(registry, 1).map((c) => c.name)).to.deep.equal(['roll']);
    expect(visibleCommands(registry, 2).map((c) => c.name)).to.deep.equal(['kick', 'roll']);
  });
});

describe('router: cooldown edges', () => {
  it('user names differing in more than case are different users (ß is not SS)', () => {
    expect(cooldownKey('cytube', 'main', 'Straße', 'roll')).to.equal(
      cooldownKey('cytube', 'main', 'straße', 'roll'),
    );
    expect(cooldownKey('cytube', 'main', 'straße', 'roll')).to.not.equal(
      cooldownKey('cytube', 'main', 'STRASSE', 'roll'),
    );
  });

  it('keys keep platform, channel, user and command apart, whatever characters they hold', () => {
    const key = cooldownKey('console', 'main', 'alice', 'roll');
    expect(cooldownKey('cytube', 'main', 'alice', 'roll')).to.not.equal(key);
    expect(cooldownKey('console', 'ab', 'c', 'roll')).to.not.equal(cooldownKey('console', 'a', 'bc', 'roll'));
    expect(cooldownKey('console', 'main', 'al', 'ice roll')).to.not.equal(
      cooldownKey('console', 'main', 'al ice', 'roll'),
    );
  });

  it('a cooldown ends at its last millisecond: ok at `until`, warn just before', () => {
    const key = 'k';
    const table = startCooldown({}, key, 1000, 500);
    expect(table).to.deep.equal({ k: { until: 1500, warned: false } });
    expect(checkCooldown(table, key, 1499)).to.deep.equal({ kind: 'warn', remainingMs: 1 });
    expect(checkCooldown(table, key, 1500)).to.deep.equal({ kind: 'ok' });
    expect(checkCooldown(table, 'other', 1000)).to.deep.equal({ kind: 'ok' });
  });

  it('a negative cooldown records nothing; a new one replaces the old and is warned about again', () => {
    expect(startCooldown({}, 'k', 0, -5)).to.deep.equal({});
    const warned = markWarned(startCooldown({}, 'k', 0, 100), 'k');
    expect(checkCooldown(warned, 'k', 50)).to.deep.equal({ kind: 'silent' });
    const again = startCooldown(warned, 'k', 200, 100);
    expect(checkCooldown(again, 'k', 250)).to.deep.equal({ kind: 'warn', remainingMs: 50 });
  });

  it('marking a user never warned about changes nothing; pruning keeps an entry until its `until`', () => {
    const table = startCooldown({}, 'k', 0, 100);
    expect(markWarned(table, 'other')).to.equal(table);
    expect(markWarned({}, 'k')).to.deep.equal({});
    expect(pruneCooldowns(table, 99)).to.deep.equal(table);
    expect(pruneCooldowns(table, 100)).to.deep.equal({});
  });
});
