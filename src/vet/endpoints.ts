import { isIP } from 'node:net';

export type EndpointCategory = 'url-shortener' | 'paste-site' | 'webhook' | 'tunnel' | 'raw-ip';

export interface EndpointHit {
  index: number;
  text: string;
  category: EndpointCategory;
}

const SHORTENERS = [
  'bit.ly', 'bitly.com', 'tinyurl.com', 'goo.gl', 't.co', 'is.gd', 'v.gd', 'ow.ly', 'buff.ly', 'rb.gy', 'cutt.ly',
  'shorturl.at', 'tiny.cc', 'rebrand.ly', 't.ly', 's.id', 'shorte.st', 'adf.ly', 'bl.ink', 'clck.ru', 'u.to', 'x.co',
  'iplogger.org', 'iplogger.com', 'grabify.link', 'tinyurl.is',
];
const PASTE_SITES = [
  'pastebin.com', 'pastebin.pl', 'paste.ee', 'hastebin.com', 'ghostbin.com', 'ghostbin.co', 'rentry.co', 'rentry.org',
  'dpaste.com', 'dpaste.org', 'termbin.com', 'controlc.com', 'justpaste.it', 'paste.rs', '0x0.st', 'transfer.sh',
  'pastes.io', 'privatebin.net', 'bpa.st', 'gist.githubusercontent.com', 'pastie.io', 'paste.c-net.org',
];
const WEBHOOK_HOSTS = [
  'webhook.site', 'requestbin.net', 'requestbin.com', 'pipedream.net', 'beeceptor.com', 'hookbin.com', 'interact.sh',
  'oast.fun', 'oast.pro', 'oast.live', 'oast.site', 'oast.online', 'oast.me', 'oastify.com', 'burpcollaborator.net',
  'dnslog.cn', 'ceye.io', 'canarytokens.com', 'hooks.slack.com',
];
/** Services whose host is ordinary but whose path is a webhook. */
const WEBHOOK_PATHS = [/^(?:[\w-]+\.)?discord(?:app)?\.com\/api\/webhooks\//i, /^api\.telegram\.org\/bot/i];
const TUNNELS = [
  'ngrok.io', 'ngrok.app', 'ngrok.dev', 'ngrok-free.app', 'ngrok-free.dev', 'trycloudflare.com', 'serveo.net',
  'serveousercontent.com', 'loca.lt', 'localtunnel.me', 'localhost.run', 'lhr.life', 'pagekite.me', 'telebit.cloud',
  'bore.pub', 'playit.gg', 'portmap.io',
];

function onDomain(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

function privateIPv4(ip: string): boolean {
  const [a = 0, b = 0, c = 0] = ip.split('.').map(Number);
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0 && c === 2) ||
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) || (a === 198 && (b === 18 || b === 19))
  );
}

function privateIPv6(ip: string): boolean {
  const lower = ip.toLowerCase();
  return lower === '::1' || lower === '::' || /^(?:fe[89ab]|f[cd]|ff)/.test(lower) || lower.startsWith('2001:db8') || lower.startsWith('::ffff:');
}

/** Whether a host is a public IP literal. */
export function isPublicIp(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return !privateIPv4(bare);
  if (family === 6) return !privateIPv6(bare);
  return false;
}

export function classifyHostPath(hostPath: string): EndpointCategory | null {
  const slash = hostPath.indexOf('/');
  const authority = slash === -1 ? hostPath : hostPath.slice(0, slash);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = (hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.replace(/:\d*$/, '')).toLowerCase().replace(/\.$/, '');
  if (isPublicIp(host)) return 'raw-ip';
  if (onDomain(host, SHORTENERS)) return 'url-shortener';
  if (onDomain(host, PASTE_SITES)) return 'paste-site';
  if (onDomain(host, WEBHOOK_HOSTS)) return 'webhook';
  if (onDomain(host, TUNNELS)) return 'tunnel';
  const normalised = `${host}${slash === -1 ? '' : hostPath.slice(slash)}`;
  if (WEBHOOK_PATHS.some((re) => re.test(normalised))) return 'webhook';
  return null;
}

const URL_RE = /\b(?:https?|ftp|wss?):\/\/([^\s'"<>`\\)\]}]+)/gi;
const escapeDomain = (d: string): string => d.replace(/[.-]/g, (c) => `\\${c}`);
/** Long, unambiguous hosts that count even without a scheme (`"pastebin.com/raw/x"`). */
const SCHEMELESS = new RegExp(
  `(?<![\\w.-])(?:${[...PASTE_SITES, ...WEBHOOK_HOSTS, ...TUNNELS].filter((d) => d.length >= 8).map(escapeDomain).join('|')}|discord(?:app)?\\.com/api/webhooks/|api\\.telegram\\.org/bot)[^\\s'"<>]*`,
  'gi',
);
const SOCKET_TUPLE = /\(\s*['"](\d{1,3}(?:\.\d{1,3}){3})['"]\s*,\s*\d+\s*\)/g;

/** Suspicious endpoints named in a piece of text (a string literal, a config file). */
export function findEndpoints(text: string): EndpointHit[] {
  const hits: EndpointHit[] = [];
  const covered: Array<[number, number]> = [];
  for (const m of text.matchAll(URL_RE)) {
    covered.push([m.index, m.index + m[0].length]);
    const category = classifyHostPath(m[1] as string);
    if (category) hits.push({ index: m.index, text: m[0], category });
  }
  for (const m of text.matchAll(SCHEMELESS)) {
    if (covered.some(([from, to]) => m.index >= from && m.index < to)) continue;
    const category = classifyHostPath(m[0]);
    if (category) hits.push({ index: m.index, text: m[0], category });
  }
  return hits;
}

/** `("203.0.113.9", 4444)`-style socket addresses in code (bare view). */
export function findSocketTuples(bare: string): EndpointHit[] {
  const hits: EndpointHit[] = [];
  for (const m of bare.matchAll(SOCKET_TUPLE)) {
    if (isPublicIp(m[1] as string)) hits.push({ index: m.index, text: m[0], category: 'raw-ip' });
  }
  return hits;
}
