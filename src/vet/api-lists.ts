/**
 * Qualified Python names the rules look for. An entry ending in `.*` matches
 * any attribute of that module; everything else matches exactly.
 */
export type NameList = readonly string[];

export const NETWORK_CALLS: NameList = [
  'urllib.request.urlopen',
  'urllib.request.urlretrieve',
  'urllib.request.build_opener',
  'urllib.urlopen',
  'urllib.urlretrieve',
  'urllib2.urlopen',
  'urllib2.build_opener',
  'http.client.HTTPConnection',
  'http.client.HTTPSConnection',
  'httplib.HTTPConnection',
  'httplib.HTTPSConnection',
  'requests.get',
  'requests.post',
  'requests.put',
  'requests.patch',
  'requests.delete',
  'requests.head',
  'requests.options',
  'requests.request',
  'requests.Session',
  'requests.session',
  'requests.api.*',
  'httpx.get',
  'httpx.post',
  'httpx.put',
  'httpx.patch',
  'httpx.delete',
  'httpx.head',
  'httpx.request',
  'httpx.stream',
  'httpx.Client',
  'httpx.AsyncClient',
  'urllib3.PoolManager',
  'urllib3.ProxyManager',
  'urllib3.request',
  'urllib3.HTTPConnectionPool',
  'urllib3.HTTPSConnectionPool',
  'urllib3.connection_from_url',
  'aiohttp.ClientSession',
  'aiohttp.request',
  'pycurl.Curl',
  'ftplib.FTP',
  'ftplib.FTP_TLS',
  'smtplib.SMTP',
  'smtplib.SMTP_SSL',
  'telnetlib.Telnet',
  'poplib.POP3',
  'poplib.POP3_SSL',
  'imaplib.IMAP4',
  'imaplib.IMAP4_SSL',
  'xmlrpc.client.ServerProxy',
  'xmlrpclib.ServerProxy',
  'socket.socket',
  'socket.create_connection',
  'socket.getaddrinfo',
  'socket.gethostbyname',
  'socket.gethostbyname_ex',
  'asyncio.open_connection',
  'paramiko.SSHClient',
  'paramiko.Transport',
  'websocket.create_connection',
  'websocket.WebSocketApp',
  'websockets.connect',
  'dns.resolver.resolve',
  'dns.resolver.query',
  'wget.download',
];

/** Modules whose mere import in a build script is network use. */
export const NETWORK_MODULES: NameList = [
  'socket',
  'urllib.request',
  'urllib2',
  'http.client',
  'httplib',
  'requests',
  'httpx',
  'urllib3',
  'aiohttp',
  'pycurl',
  'ftplib',
  'smtplib',
  'telnetlib',
  'poplib',
  'imaplib',
  'xmlrpc.client',
  'xmlrpclib',
  'paramiko',
  'websocket',
  'websockets',
  'wget',
  'dns.resolver',
];

export const PROCESS_CALLS: NameList = [
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'os.system',
  'os.popen',
  'os.popen2',
  'os.popen3',
  'os.popen4',
  'os.execl',
  'os.execle',
  'os.execlp',
  'os.execlpe',
  'os.execv',
  'os.execve',
  'os.execvp',
  'os.execvpe',
  'os.spawnl',
  'os.spawnle',
  'os.spawnlp',
  'os.spawnlpe',
  'os.spawnv',
  'os.spawnve',
  'os.spawnvp',
  'os.spawnvpe',
  'os.posix_spawn',
  'os.posix_spawnp',
  'os.startfile',
  'pty.spawn',
  'commands.getoutput',
  'commands.getstatusoutput',
  'platform.popen',
  'asyncio.create_subprocess_exec',
  'asyncio.create_subprocess_shell',
];

/** Calls that run code given to them as data. */
export const EXEC_SINKS: NameList = [
  'exec',
  'eval',
  'compile',
  'execfile',
  'types.FunctionType',
  'types.CodeType',
  '__import__',
  'importlib.import_module',
];

export const DECODER_CALLS: NameList = [
  'base64.b64decode',
  'base64.b32decode',
  'base64.b32hexdecode',
  'base64.b16decode',
  'base64.b85decode',
  'base64.a85decode',
  'base64.decodestring',
  'base64.decodebytes',
  'base64.urlsafe_b64decode',
  'base64.standard_b64decode',
  'base64.decode',
  'zlib.decompress',
  'gzip.decompress',
  'bz2.decompress',
  'lzma.decompress',
  'marshal.loads',
  'binascii.unhexlify',
  'binascii.a2b_base64',
  'binascii.a2b_hex',
  'binascii.a2b_uu',
  'bytes.fromhex',
  'bytearray.fromhex',
  'codecs.decode',
];

const DECODER_PATTERNS: readonly RegExp[] = [
  /\bjoin\s*\(\s*(?:map\s*\(\s*chr\b|\[?\s*chr\s*\()/,
  /\bmap\s*\(\s*chr\s*,/,
  /\b(?:bytes|bytearray)\s*\(\s*\[\s*\d+\s*,\s*\d+\s*,/,
];
const REVERSED = /\[\s*::\s*-1\s*\]/g;

/**
 * Obfuscation in the code view that is not a plain call: chr joins, byte
 * lists, and a string literal reversed with `[::-1]`. The reversal is found
 * from the slice backwards: a regex starting at the quote would backtrack over
 * every blanked string body.
 */
export function hasObfuscatedLiteral(code: string): boolean {
  if (DECODER_PATTERNS.some((re) => re.test(code))) return true;
  for (const m of code.matchAll(REVERSED)) {
    let i = m.index - 1;
    while (i >= 0 && /\s/.test(code[i] as string)) i--;
    if (code[i] === ')') i--;
    while (i >= 0 && /\s/.test(code[i] as string)) i--;
    if (code[i] === '"' || code[i] === "'") return true;
  }
  return false;
}

/** In the bare view: `.decode('hex')`, `codecs.decode(x, 'rot13')` and friends. */
export const DECODER_CODECS = /\.decode\s*\(\s*['"](?:hex|hex_codec|base64|base64_codec|rot13|rot_13|zlib|zlib_codec|bz2|uu)['"]|['"](?:rot13|rot_13|hex_codec|base64_codec|zlib_codec)['"]/;

const compiled = new WeakMap<NameList, { exact: Set<string>; prefixes: string[] }>();

/** Whether a qualified name is on a list; lists are indexed on first use. */
export function nameMatches(name: string, list: NameList): boolean {
  let index = compiled.get(list);
  if (!index) {
    index = {
      exact: new Set(list.filter((e) => !e.endsWith('.*'))),
      prefixes: list.filter((e) => e.endsWith('.*')).map((e) => e.slice(0, -1)),
    };
    compiled.set(list, index);
  }
  return index.exact.has(name) || index.prefixes.some((p) => name.startsWith(p));
}

export function moduleMatches(module: string, list: NameList): boolean {
  return list.some((entry) => module === entry || module.startsWith(`${entry}.`));
}
