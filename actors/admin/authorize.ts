/** Who may use `!admin` (docs/guides/ADMIN_COMMANDS.md#who-may). */
export interface AdminPolicy {
  /** Chat names of the admins (config `admins`), compared without case. */
  admins: readonly string[];
  /** The owner (config `owner`): an admin too. */
  owner?: string;
  /**
   * Lowest platform rank an admin's name must come with (config `admin.minRank`; CyTube: 1 is a
   * registered account), so a guest who takes an admin's name gets nowhere.
   */
  minRank: number;
  /**
   * Platforms whose user is the operator at Rosey's own terminal (the console of `rosey dev`, the
   * `rosey chat` sessions): reaching them takes the machine and the data directory already.
   */
  operatorPlatforms: readonly string[];
}

export interface Speaker {
  platform: string;
  user: string;
  rank: number;
}

export type Authorization =
  { allowed: true; as: 'operator' | 'owner' | 'admin' } | { allowed: false; reason: string };

export function authorize(policy: AdminPolicy, who: Speaker): Authorization {
  if (policy.operatorPlatforms.includes(who.platform)) return { allowed: true, as: 'operator' };
  const name = who.user.toLowerCase();
  const owner = policy.owner?.toLowerCase() === name;
  if (!owner && !policy.admins.some((a) => a.toLowerCase() === name))
    return { allowed: false, reason: `${who.user} is not an admin` };
  // Checked after the name: only a name on the list is worth telling why its rank is not enough.
  if (who.rank < policy.minRank)
    return {
      allowed: false,
      reason: `rank ${who.rank} is below admin.minRank ${policy.minRank} (not logged in to the admin's account?)`,
    };
  return { allowed: true, as: owner ? 'owner' : 'admin' };
}
