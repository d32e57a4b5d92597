import { describe, expect, it } from 'vitest';
import { createUserAgentParser, type UserAgentInfo } from './user-agent.js';

const UA = {
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  samsungTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
  pinterestInApp:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot:
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  facebook: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  telegram: 'TelegramBot (like TwitterBot)',
  whatsapp: 'WhatsApp/2.23.20.0 A',
  discord: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  curl: 'curl/8.4.0',
  pythonRequests: 'python-requests/2.31.0',
  goHttp: 'Go-http-client/1.1',
  headlessChrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  ahrefs: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  nodeFetch: 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
};

const human = (device: string, os: string, browser: string): UserAgentInfo => ({
  device,
  os,
  browser,
  bot: false,
  bot_name: null,
  crawler: false,
});

describe('createUserAgentParser: people', () => {
  const parse = createUserAgentParser();

  it('reads device, OS and browser of common browsers', () => {
    expect(parse(UA.chromeWindows)).toEqual(human('desktop', 'Windows', 'Chrome'));
    expect(parse(UA.safariIphone)).toEqual(human('mobile', 'iOS', 'Mobile Safari'));
    expect(parse(UA.safariIpad)).toEqual(human('tablet', 'iOS', 'Mobile Safari'));
    expect(parse(UA.chromeAndroid)).toEqual(human('mobile', 'Android', 'Chrome'));
    expect(parse(UA.firefoxLinux)).toEqual(human('desktop', 'Linux', 'Firefox'));
    expect(parse(UA.samsungTv)).toEqual(human('smarttv', 'Tizen', 'Samsung Internet'));
  });

  it('treats in-app browsers as people, not as the platform crawler', () => {
    expect(parse(UA.pinterestInApp)).toMatchObject({ device: 'mobile', os: 'iOS', bot: false, crawler: false });
  });

  it('returns all-null for a missing or empty user agent', () => {
    const none: UserAgentInfo = { device: null, os: null, browser: null, bot: false, bot_name: null, crawler: false };
    expect(parse(undefined)).toEqual(none);
    expect(parse('')).toEqual(none);
    expect(parse('   ')).toEqual(none);
  });
});

describe('createUserAgentParser: bots', () => {
  const parse = createUserAgentParser();

  it.each([
    ['googlebot', 'Googlebot'],
    ['googlebotSmartphone', 'Googlebot'],
    ['bingbot', 'Bingbot'],
    ['facebook', 'facebookexternalhit'],
    ['slack', 'Slackbot'],
    ['telegram', 'TelegramBot'],
    ['whatsapp', 'WhatsApp'],
    ['discord', 'Discordbot'],
  ] as const)('%s is a crawler named %s', (key, name) => {
    expect(parse(UA[key])).toMatchObject({ bot: true, bot_name: name, crawler: true });
  });

  it.each([
    ['curl', 'curl'],
    ['pythonRequests', 'python-requests'],
    ['goHttp', 'Go-http-client'],
    ['headlessChrome', 'HeadlessChrome'],
    ['ahrefs', 'AhrefsBot'],
    ['nodeFetch', 'node-fetch'],
  ] as const)('%s is a non-crawler bot named %s', (key, name) => {
    expect(parse(UA[key])).toMatchObject({ bot: true, bot_name: name, crawler: false });
  });

  it('still reports what the bot claims to run on', () => {
    expect(parse(UA.googlebotSmartphone)).toMatchObject({ device: 'mobile', os: 'Android', browser: 'Chrome' });
    expect(parse(UA.curl)).toMatchObject({ device: null, os: null, browser: null });
  });
});

describe('createUserAgentParser: cache', () => {
  it('parses each distinct user agent once and returns the same frozen object', () => {
    const parse = createUserAgentParser();
    const first = parse(UA.chromeWindows);
    expect(parse(UA.chromeWindows)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps parsers independent', () => {
    expect(createUserAgentParser()(UA.curl)).not.toBe(createUserAgentParser()(UA.curl));
  });

  it('evicts the oldest entry once full', () => {
    const parse = createUserAgentParser({ cacheSize: 2 });
    const chrome = parse(UA.chromeWindows);
    const firefox = parse(UA.firefoxLinux);
    expect(parse(UA.chromeWindows)).toBe(chrome);
    parse(UA.safariIphone); // full: chrome, the oldest, goes
    expect(parse(UA.firefoxLinux)).toBe(firefox);
    const chromeAgain = parse(UA.chromeWindows);
    expect(chromeAgain).not.toBe(chrome);
    expect(chromeAgain).toEqual(chrome);
  });

  it('does not cache absurdly long user agents', () => {
    const parse = createUserAgentParser();
    const long = `${UA.chromeWindows} ${'x'.repeat(2_000)}`;
    const first = parse(long);
    expect(first).toMatchObject({ os: 'Windows', browser: 'Chrome' });
    expect(parse(long)).not.toBe(first);
  });
});
