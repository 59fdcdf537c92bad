import type { VetRule } from './types.js';

/** Bumped whenever a rule is added, removed or matches differently: it is part of every vet result. */
export const RULE_SET_VERSION = '1';

/** The rule set, as data. Matchers live in judge-*.ts and refer to these ids. */
export const RULES: readonly VetRule[] = [
  {
    id: 'HB100',
    name: 'quarantine',
    severity: 'block',
    description: 'The release is younger than the quarantine age, or its upload time is unknown.',
    help: 'Wait until the quarantine ends, or lower --min-age deliberately; malicious releases are usually found and pulled within days.',
  },
  {
    id: 'HB101',
    name: 'build-network',
    severity: 'block',
    description: 'setup.py or a build hook uses the network (sockets, urllib, requests, httpx, pip install, curl/wget).',
    help: 'A build needs no network: hbuild builds offline. Find out what it fetches and why.',
  },
  {
    id: 'HB102',
    name: 'build-process',
    severity: 'warn',
    description: 'setup.py or a build hook starts processes (subprocess, os.system, os.exec*, pty.spawn).',
    help: 'Common for compilers, pkg-config or git; read the command line it runs.',
  },
  {
    id: 'HB103',
    name: 'exec-decoded',
    severity: 'block',
    description: 'exec/eval/compile over decoded or obfuscated data (base64, zlib, marshal, hex, rot13, chr joins, reversed strings).',
    help: 'Decode the payload by hand (never run it) and read what it does.',
  },
  {
    id: 'HB104',
    name: 'install-hook',
    severity: 'warn',
    description: 'cmdclass overrides install, develop, egg_info or build; blocks when the override also starts processes or uses the network.',
    help: "Read the overriding command's run(): install-time hooks are the classic way to run code on the installer's machine.",
  },
  {
    id: 'HB105',
    name: 'download-exec',
    severity: 'block',
    description: 'Downloads something and executes it (fetch feeding exec or a process, curl|sh, PowerShell download cradles).',
    help: 'There is no legitimate reason for a package to run code it downloads.',
  },
  {
    id: 'HB106',
    name: 'credential-access',
    severity: 'block',
    description: 'Reads credentials (SSH keys, .netrc, .pypirc, cloud credential files, token-like environment variables) in code that also uses the network.',
    help: 'Check where the credential goes; a build script never needs one.',
  },
  {
    id: 'HB107',
    name: 'pth-exec',
    severity: 'block',
    description: 'A .pth file with an executable (import) line: it runs at every interpreter start-up once installed.',
    help: 'Read the line; only a few well-known packages (setuptools, coverage tools) need one.',
  },
  {
    id: 'HB108',
    name: 'import-time-exec',
    severity: 'block',
    description: 'Network or process calls at import time (module level) in a package __init__.',
    help: 'Importing a package should not start processes or open connections.',
  },
  {
    id: 'HB109',
    name: 'suspicious-endpoint',
    severity: 'block',
    description: 'Code refers to a URL shortener, paste site, webhook or tunnel service, or a URL with a raw public IP address.',
    help: 'These endpoints hide where data goes or what gets fetched; legitimate packages name their hosts.',
  },
  {
    id: 'HB110',
    name: 'hidden-unicode',
    severity: 'block',
    description: 'Bidirectional-control or invisible Unicode characters in source (Trojan Source, invisible identifiers, hidden payloads).',
    help: 'View the line with the escapes shown in the excerpt; what you see in an editor is not what runs.',
  },
  {
    id: 'HB111',
    name: 'bundled-binary',
    severity: 'warn',
    description: 'Prebuilt binaries in the source (ELF, PE, Mach-O, .so/.pyd/.dll/.exe), disguised binaries, or .pyc without source.',
    help: 'Building from source means building it: find out what the binary is and whether it ends up in the wheel.',
  },
  {
    id: 'HB112',
    name: 'pkg-info-mismatch',
    severity: 'block',
    description: 'PKG-INFO is missing, or its Name or Version differs from the lock.',
    help: 'The archive is not the release the lock pins; re-lock or find out why.',
  },
  {
    id: 'HB113',
    name: 'dependency-links',
    severity: 'warn',
    description: 'dependency_links point pip at other download locations.',
    help: 'pip ignores them today, but they show an intent to fetch from outside the index.',
  },
  {
    id: 'HB114',
    name: 'url-requirement',
    severity: 'block',
    description: 'A requirement is a direct URL (name @ URL, git+, poetry git/url) or a requirements file points at another index.',
    help: 'Direct URLs bypass the lock and the index; pin the dependency in the lock instead.',
  },
  {
    id: 'HB115',
    name: 'setup-requires',
    severity: 'warn',
    description: 'setup_requires asks setuptools to fetch build dependencies itself.',
    help: 'Legacy but common; in hbuild the build requirements come from the lock, so this only fails or is ignored.',
  },
  {
    id: 'HB116',
    name: 'unscanned-source',
    severity: 'warn',
    description: 'A Python file is larger than the scan limit; only its beginning was read.',
    help: 'Look at the rest of the file by hand; padding a script past the limit is a way to hide code.',
  },
];

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]));

export function ruleById(id: string): VetRule {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown vet rule ${id}`);
  return rule;
}

export const RULE_IDS = {
  quarantine: 'HB100',
  buildNetwork: 'HB101',
  buildProcess: 'HB102',
  execDecoded: 'HB103',
  installHook: 'HB104',
  downloadExec: 'HB105',
  credentials: 'HB106',
  pthExec: 'HB107',
  importTime: 'HB108',
  endpoint: 'HB109',
  hiddenUnicode: 'HB110',
  binary: 'HB111',
  pkgInfo: 'HB112',
  dependencyLinks: 'HB113',
  urlRequirement: 'HB114',
  setupRequires: 'HB115',
  unscanned: 'HB116',
} as const;

export type RuleId = (typeof RULE_IDS)[keyof typeof RULE_IDS];
