import type { SecurityViolation } from '../../contract/messages/actions.js';

const ANNOUNCEMENT = /^rosey\.plugins\.([^.]+)\.([^.]+)\.ready$/;

/** The plugin and generation an announcement's subject claims, e.g. `rosey.plugins.dice.7.ready`. */
export function announcedGeneration(subject: string): { plugin: string; generation: string } | undefined {
  const match = ANNOUNCEMENT.exec(subject);
  return match ? { plugin: match[1]!, generation: match[2]! } : undefined;
}

/**
 * An announcement for a generation that no plugin host runs: the plugin (which may publish any
 * `rosey.plugins.<self>.<gen>.ready`) tried to make the router send its commands somewhere Rosey did
 * not start. The router never sees it (it routes on what hosts vouch for); this is the report.
 */
export function forgedAnnouncement(
  subject: string,
  claim: { plugin: string; generation: string },
  now = Date.now(),
): SecurityViolation {
  return {
    plugin: claim.plugin,
    action: subject,
    reason: `${claim.plugin} announced generation ${claim.generation}, which Rosey did not start: ignored, its commands stay where they were`,
    source: 'plugin-manager',
    time: now,
  };
}
