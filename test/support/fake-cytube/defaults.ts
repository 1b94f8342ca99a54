/**
 * Starting state and fixed texts, copied from the recordings (values, not server code), so every
 * fresh channel looks exactly like the ones in test/fixtures/cytube-transcripts/.
 */

/** Registered channels start with these (02 and later). */
export const REGISTERED_PERMISSIONS: Readonly<Record<string, number>> = {
  seeplaylist: -1,
  playlistadd: 1.5,
  playlistnext: 1.5,
  playlistmove: 1.5,
  playlistdelete: 2,
  playlistjump: 1.5,
  playlistaddlist: 1.5,
  oplaylistadd: -1,
  oplaylistnext: 1.5,
  oplaylistmove: 1.5,
  oplaylistdelete: 2,
  oplaylistjump: 1.5,
  oplaylistaddlist: 1.5,
  playlistaddcustom: 3,
  playlistaddrawfile: 2,
  playlistaddlive: 1.5,
  exceedmaxlength: 2,
  addnontemp: 2,
  settemp: 2,
  playlistshuffle: 2,
  playlistclear: 2,
  pollctl: 1.5,
  pollvote: -1,
  viewhiddenpoll: 1.5,
  voteskip: -1,
  viewvoteskip: 1.5,
  mute: 1.5,
  kick: 1.5,
  ban: 2,
  motdedit: 3,
  filteredit: 3,
  filterimport: 3,
  emoteedit: 3,
  emoteimport: 3,
  playlistlock: 2,
  leaderctl: 2,
  drink: 1.5,
  chat: 0,
  chatclear: 2,
  exceedmaxitems: 2,
  deletefromchannellib: 2,
  exceedmaxdurationperuser: 2,
};

/** Unregistered channels get a looser, shorter table (01, freechan). */
export const UNREGISTERED_PERMISSIONS: Readonly<Record<string, number>> = {
  seeplaylist: -1,
  playlistadd: -1,
  playlistnext: 0,
  playlistmove: 0,
  playlistdelete: 0,
  playlistjump: 0,
  playlistaddlist: 0,
  oplaylistadd: -1,
  oplaylistnext: 0,
  oplaylistmove: 0,
  oplaylistdelete: 0,
  oplaylistjump: 0,
  oplaylistaddlist: 0,
  playlistaddcustom: 0,
  playlistaddlive: 0,
  exceedmaxlength: 0,
  addnontemp: 0,
  settemp: 0,
  playlistshuffle: 0,
  playlistclear: 0,
  pollctl: 0,
  pollvote: -1,
  viewhiddenpoll: 1.5,
  voteskip: -1,
  viewvoteskip: 1.5,
  playlistlock: 2,
  leaderctl: 0,
  drink: 0,
  chat: 0,
  chatclear: 2,
  exceedmaxitems: 2,
  deletefromchannellib: 2,
};

/** Permissions missing from a table (unregistered channels lack `mute`, `kick`, …) fall back to these. */
export const FALLBACK_PERMISSION = 2;

export function defaultOptions(channelName: string): Record<string, unknown> {
  return {
    allow_voteskip: true,
    voteskip_ratio: 0.5,
    afk_timeout: 600,
    pagetitle: channelName,
    maxlength: 0,
    externalcss: '',
    externaljs: '',
    chat_antiflood: false,
    chat_antiflood_params: { burst: 4, sustained: 1, cooldown: 4 },
    show_public: false,
    enable_link_regex: true,
    password: false,
    allow_dupes: false,
    torbanned: false,
    block_anonymous_users: false,
    allow_ascii_control: false,
    playlist_max_per_user: 0,
    new_user_chat_delay: 0,
    new_user_chat_link_delay: 0,
    playlist_max_duration_per_user: 0,
  };
}

/** MD5 of the empty string, base64: what the real server sends for empty channel CSS/JS. */
export const EMPTY_HASH = '1B2M2Y8AsgTpgAmY7PhCfg==';

/** Texts the clients see. Those marked "unrecorded" are the fake's own wording for paths no transcript covers. */
export const TEXT = {
  invalidChannel:
    'Invalid channel name.  Channel names may consist of 1-30 characters in the set a-z, A-Z, 0-9, -, and _',
  invalidChannelKick: 'Invalid channel name',
  invalidUsername:
    'Invalid username.  Usernames must be 1-20 characters long and consist only of characters a-z, A-Z, 0-9, -, or _.',
  registeredName: 'That username is registered.',
  wrongPassword: 'Invalid username/password combination',
  unknownUser: 'User does not exist',
  guestDelay: (sec: number) => `Guest logins are restricted to one per IP address per ${sec} seconds.`,
  /** unrecorded */
  nameInUse: 'That name is already in use on this channel.',
  duplicateLogin: 'Duplicate login',
  /** A ban while in the channel (observed on 3.86.0: the ban's own reason is not sent). */
  bannedNow: "You're banned!",
  /** Rejoining while name-banned (observed on 3.86.0). */
  bannedOnJoin: 'You are banned from this channel.',
  muted: 'You have been muted on this channel.',
  pmNotConnected: (to: string) => `PM failed: ${to} isn't connected to this channel.`,
  pmSelf: "You can't PM yourself!",
  pmInvalid: (to: string) => `PM failed: ${to} isn't a valid username.`,
  rankSelf: "Updating user rank failed: You can't promote or demote yourself.",
  rankTooHigh:
    "Updating user rank failed: You can't promote someone to a rank equal or higher than yourself, or demote them to below rank 1.",
  /** unrecorded */
  rankTargetHigher:
    "Updating user rank failed: You can't promote or demote someone with equal or higher rank than yourself.",
  /** unrecorded */
  rankNotRegistered: (name: string) => `Updating user rank failed: ${name} is not a registered user.`,
  youtubeNoKey:
    'The YouTube API now requires an API key.  Please see the documentation for youtube-v3-key in config.template.yaml',
  httpEmbed: 'Invalid embed. Embed source must be HTTPS, plain HTTP is not supported.',
  noLive: "You don't have permission to add live media",
  /** unrecorded */
  noCustom: "You don't have permission to add custom embeds",
  /** unrecorded */
  noRawFile: "You don't have permission to add raw video files",
  /** unrecorded */
  queueTooFast: 'You are adding videos too quickly',
  /** unrecorded */
  duplicateItem: 'This item is already on the playlist',
  /** unrecorded */
  invalidEmbed: 'Invalid embed',
  /** unrecorded */
  rawFileHttp: "Raw files must begin with 'https'.  Plain http is not supported.",
  /** unrecorded */
  unknownMedia: (type: string) =>
    `The fake CyTube cannot look up ${type} media offline; register it with the "media" option.`,
} as const;

export const SERVER_WHISPER_META = { addClass: 'server-whisper', addClassToNameAndTimestamp: true } as const;
