import { expect } from 'chai';
import {
  MAX_LINK_LENGTH,
  MEDIA_TYPES,
  mediaUrl,
  parseMediaLink,
  type MediaRef,
} from '../../contract/media/media-link.js';

type Case = [input: string, expected: MediaRef | { error: string }];

const YT = 'dQw4w9WgXcQ';
const GD = '1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvW';
const CLIP = 'AwkwardHelplessSalamanderSwiftRage-4RuVkFp1U3RvSYvQ';

const CASES: Case[] = [
  // YouTube videos
  [`https://www.youtube.com/watch?v=${YT}`, { type: 'yt', id: YT }],
  [`https://youtube.com/watch?feature=share&v=${YT}&ab_channel=Rick`, { type: 'yt', id: YT }],
  [`http://m.youtube.com/watch?v=${YT}`, { type: 'yt', id: YT }],
  [`https://music.youtube.com/watch?v=${YT}&si=abc`, { type: 'yt', id: YT }],
  [`https://youtu.be/${YT}`, { type: 'yt', id: YT }],
  [`https://youtu.be/${YT}?si=QwErTy&t=42`, { type: 'yt', id: YT, start: 42 }],
  [`https://www.youtube.com/shorts/${YT}`, { type: 'yt', id: YT }],
  [`https://www.youtube.com/embed/${YT}?start=90&autoplay=1`, { type: 'yt', id: YT, start: 90 }],
  [`https://www.youtube-nocookie.com/embed/${YT}`, { type: 'yt', id: YT }],
  [`https://www.youtube.com/live/${YT}?feature=shared`, { type: 'yt', id: YT }],
  [`https://www.youtube.com/watch?v=${YT}&t=1m30s`, { type: 'yt', id: YT, start: 90 }],
  [`https://www.youtube.com/watch?v=${YT}&t=90s`, { type: 'yt', id: YT, start: 90 }],
  [`https://www.youtube.com/watch?v=${YT}&t=1h2m3s`, { type: 'yt', id: YT, start: 3723 }],
  [`https://www.youtube.com/watch?v=${YT}#t=2m`, { type: 'yt', id: YT, start: 120 }],
  [`https://www.youtube.com/watch?v=${YT}&t=1:02:03`, { type: 'yt', id: YT, start: 3723 }],
  [`https://www.youtube.com/watch?v=${YT}&t=99999999`, { type: 'yt', id: YT }],
  [`https://www.youtube.com/watch?v=${YT}&t=0`, { type: 'yt', id: YT }],
  [`https://www.youtube.com/watch?v=${YT}&t=soon`, { type: 'yt', id: YT }],
  [`youtu.be/${YT}`, { type: 'yt', id: YT }],
  [`www.youtube.com/watch?v=${YT}`, { type: 'yt', id: YT }],
  // YouTube playlists
  [
    `https://www.youtube.com/watch?v=${YT}&list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs&index=2`,
    { type: 'yt', id: YT },
  ],
  [
    'https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs',
    { type: 'yp', id: 'PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs' },
  ],
  [
    'https://www.youtube.com/watch?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs',
    { type: 'yp', id: 'PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs' },
  ],
  [
    'https://music.youtube.com/playlist?list=OLAK5uy_kXYZ0123456789abcdefghijklmnopq',
    { type: 'yp', id: 'OLAK5uy_kXYZ0123456789abcdefghijklmnopq' },
  ],
  [
    'https://www.youtube.com/embed/videoseries?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs',
    { type: 'yp', id: 'PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs' },
  ],
  // YouTube refusals
  ['https://www.youtube.com/watch?v=tooShort', { error: 'Invalid YouTube video id "tooShort"' }],
  ['https://www.youtube.com/@SomeChannel', { error: 'YouTube channel pages cannot be queued' }],
  ['https://www.youtube.com/feed/subscriptions', { error: 'Not a YouTube video or playlist link' }],
  ['https://youtu.be/', { error: 'needs a video id' }],
  // Twitch
  ['https://www.twitch.tv/somechannel', { type: 'tw', id: 'somechannel' }],
  ['https://m.twitch.tv/Some_Channel/', { type: 'tw', id: 'Some_Channel' }],
  [`https://clips.twitch.tv/${CLIP}`, { type: 'tc', id: CLIP }],
  [`https://www.twitch.tv/somechannel/clip/${CLIP}?filter=clips`, { type: 'tc', id: CLIP }],
  [`https://clips.twitch.tv/embed?clip=${CLIP}&parent=example.com`, { type: 'tc', id: CLIP }],
  ['https://www.twitch.tv/videos/2034567890', { type: 'tv', id: 'v2034567890' }],
  ['https://www.twitch.tv/videos/2034567890?t=1h2m3s', { type: 'tv', id: 'v2034567890', start: 3723 }],
  ['https://player.twitch.tv/?video=v2034567890&parent=example.com', { type: 'tv', id: 'v2034567890' }],
  ['https://player.twitch.tv/?channel=somechannel&parent=example.com', { type: 'tw', id: 'somechannel' }],
  ['https://www.twitch.tv/directory', { error: 'Not a Twitch channel, clip or VOD link' }],
  ['https://www.twitch.tv/videos/abc', { error: 'Invalid Twitch VOD id "vabc"' }],
  // Vimeo
  ['https://vimeo.com/76979871', { type: 'vi', id: '76979871' }],
  ['https://vimeo.com/76979871#t=1m5s', { type: 'vi', id: '76979871', start: 65 }],
  ['https://vimeo.com/76979871/8272103f6e', { type: 'vi', id: '76979871' }],
  ['https://vimeo.com/channels/staffpicks/76979871', { type: 'vi', id: '76979871' }],
  ['https://player.vimeo.com/video/76979871?h=8272103f6e', { type: 'vi', id: '76979871' }],
  ['https://vimeo.com/about', { error: 'Not a Vimeo video link' }],
  // Dailymotion
  ['https://www.dailymotion.com/video/x8abcd1', { type: 'dm', id: 'x8abcd1' }],
  [
    'https://www.dailymotion.com/video/x8abcd1_some-title_news?start=30',
    { type: 'dm', id: 'x8abcd1', start: 30 },
  ],
  ['https://dai.ly/x8abcd1', { type: 'dm', id: 'x8abcd1' }],
  ['https://www.dailymotion.com/embed/video/x8abcd1', { type: 'dm', id: 'x8abcd1' }],
  ['https://www.dailymotion.com/user/someone', { error: 'Not a Dailymotion video link' }],
  // SoundCloud
  [
    'https://soundcloud.com/artist-name/track-name',
    { type: 'sc', id: 'https://soundcloud.com/artist-name/track-name' },
  ],
  [
    'https://m.soundcloud.com/artist-name/track-name?utm_source=clipboard#t=1:30',
    { type: 'sc', id: 'https://soundcloud.com/artist-name/track-name', start: 90 },
  ],
  [
    'https://soundcloud.com/artist-name/sets/best-of',
    { type: 'sc', id: 'https://soundcloud.com/artist-name/sets/best-of' },
  ],
  ['https://on.soundcloud.com/AbC123xyz', { type: 'sc', id: 'https://on.soundcloud.com/AbC123xyz' }],
  ['https://soundcloud.com/artist-name', { error: 'Link a SoundCloud track or set' }],
  // Google Drive
  [`https://drive.google.com/file/d/${GD}/view?usp=sharing`, { type: 'gd', id: GD }],
  [`https://docs.google.com/file/d/${GD}/edit`, { type: 'gd', id: GD }],
  [`https://drive.google.com/open?id=${GD}`, { type: 'gd', id: GD }],
  [`https://drive.google.com/uc?id=${GD}&export=download`, { type: 'gd', id: GD }],
  ['https://drive.google.com/drive/my-drive', { error: 'Not a Google Drive file link' }],
  // Imgur, Streamable
  ['https://imgur.com/a/AbCdE12', { type: 'im', id: 'AbCdE12' }],
  ['https://imgur.com/gallery/funny-cat-compilation-AbCdE12', { type: 'im', id: 'AbCdE12' }],
  ['https://imgur.com/AbCdE12', { error: 'Only Imgur albums' }],
  ['https://i.imgur.com/AbCdE12.mp4', { type: 'fi', id: 'https://i.imgur.com/AbCdE12.mp4' }],
  ['https://streamable.com/abc12', { type: 'sb', id: 'abc12' }],
  ['https://streamable.com/e/abc12?autoplay=1', { type: 'sb', id: 'abc12' }],
  // Raw files, HLS, manifests, RTMP
  [
    'https://cdn.example.com/videos/movie.mp4',
    { type: 'fi', id: 'https://cdn.example.com/videos/movie.mp4' },
  ],
  [
    'https://cdn.example.com/a/song.MP3?token=abc#t=30',
    { type: 'fi', id: 'https://cdn.example.com/a/song.MP3?token=abc', start: 30 },
  ],
  ['https://cdn.example.com/clip.webm', { type: 'fi', id: 'https://cdn.example.com/clip.webm' }],
  ['https://cdn.example.com/a.flac', { type: 'fi', id: 'https://cdn.example.com/a.flac' }],
  ['https://cdn.example.com/a.m4a', { type: 'fi', id: 'https://cdn.example.com/a.m4a' }],
  ['https://cdn.example.com/a.ogv', { type: 'fi', id: 'https://cdn.example.com/a.ogv' }],
  ['https://cdn.example.com/a.mov', { type: 'fi', id: 'https://cdn.example.com/a.mov' }],
  ['https://cdn.example.com/a.aac', { type: 'fi', id: 'https://cdn.example.com/a.aac' }],
  ['cdn.example.com:8443/a.mp4', { type: 'fi', id: 'https://cdn.example.com:8443/a.mp4' }],
  ['https://cdn.example.com/a.mp4/', { error: 'Unsupported link: cdn.example.com' }],
  ['https://cdn.example.com/a.wav', { error: 'Unsupported file type ".wav"' }],
  ['http://cdn.example.com/videos/movie.mp4', { error: 'CyTube refuses plain http' }],
  ['https://cdn.example.com/videos/movie.avi', { error: 'Unsupported file type ".avi"' }],
  [
    'https://live.example.com/hls/stream.m3u8?key=1',
    { type: 'hl', id: 'https://live.example.com/hls/stream.m3u8?key=1' },
  ],
  ['http://live.example.com/hls/stream.m3u8', { error: 'CyTube refuses plain http' }],
  ['https://example.com/media/manifest.json', { type: 'cm', id: 'https://example.com/media/manifest.json' }],
  ['rtmp://live.example.com/app/stream', { type: 'rt', id: 'rtmp://live.example.com/app/stream' }],
  ['rtmps://live.example.com:443/app/stream', { type: 'rt', id: 'rtmps://live.example.com:443/app/stream' }],
  // Shorthand
  [`yt:${YT}`, { type: 'yt', id: YT }],
  [`YT:${YT}`, { type: 'yt', id: YT }],
  ['yp:PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs', { type: 'yp', id: 'PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs' }],
  ['vi:76979871', { type: 'vi', id: '76979871' }],
  ['dm:x8abcd1_some-title', { type: 'dm', id: 'x8abcd1' }],
  [
    'sc:https://soundcloud.com/artist-name/track-name',
    { type: 'sc', id: 'https://soundcloud.com/artist-name/track-name' },
  ],
  ['tw:somechannel', { type: 'tw', id: 'somechannel' }],
  [`tc:${CLIP}`, { type: 'tc', id: CLIP }],
  ['tv:2034567890', { type: 'tv', id: 'v2034567890' }],
  ['tv:v2034567890', { type: 'tv', id: 'v2034567890' }],
  [`gd:${GD}`, { type: 'gd', id: GD }],
  ['im:AbCdE12', { type: 'im', id: 'AbCdE12' }],
  ['hl:https://live.example.com/playlist', { type: 'hl', id: 'https://live.example.com/playlist' }],
  ['sb:abc12', { type: 'sb', id: 'abc12' }],
  ['fi:https://cdn.example.com/stream?id=7', { type: 'fi', id: 'https://cdn.example.com/stream?id=7' }],
  ['cm:https://example.com/media/manifest', { type: 'cm', id: 'https://example.com/media/manifest' }],
  ['rt:rtmp://live.example.com/app/stream', { type: 'rt', id: 'rtmp://live.example.com/app/stream' }],
  [
    'cu:<iframe src="https://player.example.com/embed/1"></iframe>',
    { type: 'cu', id: '<iframe src="https://player.example.com/embed/1"></iframe>' },
  ],
  // Shorthand refusals
  ['yt:abc', { error: 'Invalid YouTube video id "abc"' }],
  ['vi:abc', { error: 'Invalid Vimeo video id' }],
  ['tw:bad name!', { error: 'Invalid Twitch channel id' }],
  ['zz:whatever', { error: 'Unknown media type "zz"' }],
  ['yt:', { error: 'needs a YouTube video id' }],
  ['fi:http://cdn.example.com/a.mp4', { error: 'CyTube refuses plain http' }],
  ['sc:https://www.youtube.com/watch?v=dQw4w9WgXcQ', { error: '"sc:" needs a soundcloud.com track URL' }],
  ['rt:https://live.example.com/app', { error: '"rt:" needs an rtmp:// or rtmps:// URL' }],
  [
    'cu:<iframe src="http://player.example.com/embed/1"></iframe>',
    { error: 'CyTube refuses non-https embeds' },
  ],
  ['cu:<script>alert(1)</script>', { error: 'needs an <iframe' }],
  // Wrapping and whitespace
  [`   https://youtu.be/${YT}  \n`, { type: 'yt', id: YT }],
  [`<https://youtu.be/${YT}>`, { type: 'yt', id: YT }],
  [`  < https://vimeo.com/76979871 >  `, { type: 'vi', id: '76979871' }],
  // Hostile and non-links
  ['', { error: 'Empty input' }],
  ['   ', { error: 'Empty input' }],
  ['<>', { error: 'Empty input' }],
  ['javascript:alert(1)', { error: 'Unsupported link scheme "javascript:"' }],
  ['JaVaScRiPt:alert(document.cookie)', { error: 'Unsupported link scheme "javascript:"' }],
  ['data:text/html;base64,PHNjcmlwdD4=', { error: 'Unsupported link scheme "data:"' }],
  ['file:///etc/passwd', { error: 'Unsupported link scheme "file:"' }],
  ['ftp://example.com/movie.mp4', { error: 'Unsupported link scheme "ftp:"' }],
  [`https://youtu.be/${YT}\u0000`, { error: 'control or invisible characters' }],
  [`https://you\u200btu.be/${YT}`, { error: 'control or invisible characters' }],
  [`https://youtu.be/${YT}\u202e`, { error: 'control or invisible characters' }],
  ['hello world', { error: 'contains spaces' }],
  ['rickroll', { error: 'Not a link' }],
  ['localhost:8080/a.mp4', { error: 'Not a link' }],
  [YT, { error: 'Not a link' }],
  ['https://', { error: 'Not a link' }],
  ['https://example.com/some/page', { error: 'Unsupported link: example.com is not a site' }],
  ['https://www.facebook.com/watch/?v=123456', { error: 'Unsupported link: www.facebook.com' }],
  [`https://user:pass@www.youtube.com/watch?v=${YT}`, { error: 'user name or password' }],
  [`https://www.youtube.com@evil.example/watch?v=${YT}`, { error: 'user name or password' }],
  ['<iframe src="https://player.example.com/embed/1"></iframe>', { error: 'need the cu: prefix' }],
  ['x'.repeat(MAX_LINK_LENGTH + 1), { error: 'Link too long' }],
  [`https://example.com/${'a'.repeat(5000)}.mp4`, { error: 'Link too long' }],
];

describe('media links: parseMediaLink', () => {
  it('has a table of at least 60 cases', () => {
    expect(CASES.length).to.be.at.least(60);
  });

  for (const [input, expected] of CASES) {
    const label = JSON.stringify(input.length > 100 ? `${input.slice(0, 100)}…` : input);
    if ('error' in expected) {
      it(`${label} is refused: ${expected.error}`, () => {
        const result = parseMediaLink(input);
        expect(result.ok).to.equal(false);
        if (result.ok) return;
        expect(result.error.code).to.equal('VALIDATION_ERROR');
        expect(result.error.message).to.include(expected.error);
        expect(result.error.message.length).to.be.below(400);
      });
    } else {
      it(`${label} → ${expected.type}:${expected.id}${expected.start ? ` @${expected.start}s` : ''}`, () => {
        expect(parseMediaLink(input)).to.deep.equal({ ok: true, data: expected });
      });
    }
  }

  it('refuses a megabyte of input quickly', () => {
    const began = Date.now();
    for (const input of [
      'a'.repeat(1_000_000),
      `https://youtu.be/${'a'.repeat(1_000_000)}`,
      ' '.repeat(1_000_000),
    ]) {
      expect(parseMediaLink(input).ok).to.equal(false);
    }
    expect(Date.now() - began).to.be.below(500);
  });

  it('never echoes control characters back in an error message', () => {
    const result = parseMediaLink(`https://www.youtube.com/watch?v=${YT}%00%1b[31m`);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.error.message).to.not.match(/\p{Cc}/u);
  });

  it('answers non-strings from untyped callers with an error instead of throwing', () => {
    for (const value of [undefined, null, 42, {}]) {
      expect(parseMediaLink(value as unknown as string)).to.deep.include({ ok: false });
    }
  });
});

describe('media links: mediaUrl', () => {
  const REFS: MediaRef[] = [
    { type: 'yt', id: YT },
    { type: 'yt', id: YT, start: 90 },
    { type: 'yt', id: '-_aZ09-_aZ0' },
    { type: 'yp', id: 'PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs' },
    { type: 'vi', id: '76979871' },
    { type: 'vi', id: '76979871', start: 65 },
    { type: 'dm', id: 'x8abcd1' },
    { type: 'dm', id: 'x8abcd1', start: 30 },
    { type: 'sc', id: 'https://soundcloud.com/artist-name/track-name' },
    { type: 'sc', id: 'https://soundcloud.com/artist-name/track-name', start: 12 },
    { type: 'sc', id: 'https://on.soundcloud.com/AbC123xyz' },
    { type: 'tw', id: 'somechannel' },
    { type: 'tc', id: CLIP },
    { type: 'tc', id: 'PlainOldClipSlug' },
    { type: 'tv', id: 'v2034567890' },
    { type: 'tv', id: 'v2034567890', start: 3723 },
    { type: 'gd', id: GD },
    { type: 'im', id: 'AbCdE12' },
    { type: 'hl', id: 'https://live.example.com/hls/stream.m3u8?key=1' },
    { type: 'sb', id: 'abc12' },
    { type: 'fi', id: 'https://cdn.example.com/videos/movie.mp4' },
    { type: 'fi', id: 'https://cdn.example.com/a/song.mp3?token=abc', start: 30 },
    { type: 'cm', id: 'https://example.com/media/manifest.json' },
    { type: 'rt', id: 'rtmp://live.example.com/app/stream' },
  ];

  it('gives the canonical public URL', () => {
    expect(mediaUrl({ type: 'yt', id: YT })).to.equal(`https://youtu.be/${YT}`);
    expect(mediaUrl({ type: 'tv', id: 'v2034567890' })).to.equal('https://www.twitch.tv/videos/2034567890');
    expect(mediaUrl({ type: 'gd', id: GD })).to.equal(`https://drive.google.com/file/d/${GD}/view`);
    expect(mediaUrl({ type: 'cu', id: '<iframe src="https://x.example/"></iframe>' })).to.equal(undefined);
  });

  it('round-trips: parseMediaLink(mediaUrl(ref)) gives back the ref, for every type with a URL', () => {
    const covered = new Set(REFS.map((ref) => ref.type));
    expect([...MEDIA_TYPES].filter((type) => !covered.has(type))).to.deep.equal(['cu']);
    for (const ref of REFS) {
      const url = mediaUrl(ref);
      expect(url, JSON.stringify(ref)).to.be.a('string');
      expect(parseMediaLink(url!), url).to.deep.equal({ ok: true, data: ref });
    }
  });

  it('round-trips through the shorthand too', () => {
    for (const ref of REFS.filter((r) => r.start === undefined)) {
      expect(parseMediaLink(`${ref.type}:${ref.id}`), ref.id).to.deep.equal({ ok: true, data: ref });
    }
  });
});
