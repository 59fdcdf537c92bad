import { nameMatches } from './api-match.js';
import type { PyCall } from './py-calls.js';
import { isProseAt, statementAt, type PyStatement } from './py-statements.js';
import type { PyViews } from './py-tokenize.js';

export interface CredentialRead {
  offset: number;
  what: string;
  scope: number;
}

const CREDENTIAL_PATHS: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|[/\\~])\.ssh(?:[/\\]|$)|\bid_(?:rsa|dsa|ecdsa|ed25519)\b/, 'SSH keys'],
  [/(?:^|[/\\~])[._]netrc$|(?:^|[/\\~])[._]netrc[/\\]?/, '.netrc'],
  [/(?:^|[/\\~])\.pypirc\b/, '.pypirc'],
  [/\.aws[/\\](?:credentials|config)\b|^\.aws$/, 'AWS credentials'],
  [/\.config[/\\]gcloud\b|application_default_credentials\.json/, 'Google Cloud credentials'],
  [/(?:^|[/\\~])\.azure(?:[/\\]|$)/, 'Azure credentials'],
  [/\.docker[/\\]config\.json/, 'Docker credentials'],
  [/\.kube[/\\]config\b/, 'Kubernetes credentials'],
  [/(?:^|[/\\~])\.git-credentials\b/, 'git credentials'],
  [/(?:^|[/\\~])\.npmrc\b/, '.npmrc'],
  [/(?:^|[/\\~])\.gnupg(?:[/\\]|$)/, 'GnuPG keys'],
  [/\bLogin Data\b|\bwallet\.dat\b/, 'browser or wallet secrets'],
];

const CREDENTIAL_CALLS = ['netrc.netrc', 'keyring.get_password', 'browser_cookie3.*', 'win32crypt.CryptUnprotectData'];

const TOKEN_NAME = /TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
const ENV_READ = /\b(?:environ\s*(?:\[\s*|\.get\s*\(\s*|\.pop\s*\(\s*)|getenv\s*\(\s*|environb\s*\[\s*)(['"])([^'"\n]{1,100})\1/g;
const ENV_DUMP = /\b(?:dict|str|repr|json\s*\.\s*dumps|list)\s*\(\s*(?:os\s*\.\s*)?environ\s*(?:\.\s*items\s*\(\s*\)\s*)?\)|\{\s*\*\*\s*(?:os\s*\.\s*)?environ\s*\}/g;

/** Places a file reads credentials: known secret files, token-like environment variables, the whole environment. */
export function credentialReads(views: PyViews, statements: readonly PyStatement[], calls: readonly PyCall[]): CredentialRead[] {
  const reads: CredentialRead[] = [];
  const scopeAt = (offset: number): number => statements[statementAt(statements, offset)]?.scope ?? -1;
  for (const s of views.strings) {
    if (s.body.length > 300 || s.body.length < 4) continue;
    const hit = CREDENTIAL_PATHS.find(([re]) => re.test(s.body));
    if (hit && !isProseAt(statements, s.start)) reads.push({ offset: s.start, what: `reads ${hit[1]}`, scope: scopeAt(s.start) });
  }
  for (const call of calls) {
    if (nameMatches(call.name, CREDENTIAL_CALLS)) reads.push({ offset: call.offset, what: `${call.name}()`, scope: scopeAt(call.offset) });
  }
  for (const st of statements) {
    for (const m of st.bare.matchAll(ENV_READ)) {
      const name = m[2] as string;
      if (TOKEN_NAME.test(name)) reads.push({ offset: st.start + m.index, what: `reads $${name}`, scope: st.scope });
    }
    for (const m of st.code.matchAll(ENV_DUMP)) {
      reads.push({ offset: st.start + m.index, what: 'copies the whole environment', scope: st.scope });
    }
  }
  return reads;
}
