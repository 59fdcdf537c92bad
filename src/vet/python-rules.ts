import type { FileFacts } from './collect.js';
import type { FileRole } from './file-roles.js';
import { byRole, fromHit, roleLabel, type Emit } from './finding.js';
import type { EndpointCategory } from './endpoints.js';
import type { PyFacts } from './py-facts.js';
import { RULE_IDS as R } from './rules.js';

const INSTALL_TIME = new Set(['install', 'install_lib', 'install_scripts', 'develop', 'egg_info']);

function judgeBuildScript(file: string, py: PyFacts, emit: Emit): void {
  for (const hit of py.network) {
    const how = hit.kind === 'import' ? 'imports a network module' : hit.kind === 'pip' ? 'runs pip to install or download' : hit.kind === 'shell' ? 'runs a shell download' : 'calls';
    emit(fromHit(R.buildNetwork, 'block', file, hit, `build script ${how}: ${hit.what}`));
  }
  for (const hit of py.process) emit(fromHit(R.buildProcess, 'warn', file, hit, `build script starts a process: ${hit.what}`));
  const { cmdclass, commandClasses, setupRequires, dependencyLinks, urlRequirements } = py.setup;
  for (const hit of cmdclass) emit(fromHit(R.installHook, 'warn', file, hit, `cmdclass replaces the ${hit.what} command`));
  for (const cls of commandClasses) {
    const runs = [...py.process, ...py.network.filter((n) => n.kind !== 'import')].filter((c) => c.classScope === cls.statement);
    if (runs.length === 0) {
      if (cmdclass.length === 0) emit(fromHit(R.installHook, 'warn', file, cls, `${cls.what} overrides the ${cls.command} command`));
      continue;
    }
    const first = runs[0] as (typeof runs)[number];
    const severity = INSTALL_TIME.has(cls.command) ? 'block' : 'warn';
    emit(fromHit(R.installHook, severity, file, cls, `${cls.what} overrides ${cls.command} and runs ${first.what} (line ${first.line})`));
  }
  for (const hit of setupRequires) emit(fromHit(R.setupRequires, 'warn', file, hit, 'setup_requires asks setuptools to fetch build dependencies'));
  for (const hit of dependencyLinks) emit(fromHit(R.dependencyLinks, 'warn', file, hit, 'dependency_links name extra download locations'));
  for (const hit of urlRequirements) emit(fromHit(R.urlRequirement, 'block', file, hit, `direct URL requirement: ${hit.what}`));
}

/**
 * A build script that touches credentials and the network anywhere is enough;
 * package code must do both in one scope (a function, or module level), since
 * clients of authenticated services legitimately read a token in one place
 * and connect in another.
 */
function judgeCredentials(file: string, role: FileRole, py: PyFacts, emit: Emit): void {
  if (role === 'aux') return;
  const network = py.network.filter((n) => role === 'build' || n.kind !== 'import');
  if (py.credentials.length === 0 || network.length === 0) return;
  for (const cred of py.credentials) {
    const near = role === 'build' ? network[0] : network.find((n) => n.scope === cred.scope);
    if (!near) continue;
    const where = role === 'build' ? 'in a build script' : cred.scope === -1 ? 'at module level' : 'in the same function';
    emit(fromHit(R.credentials, 'block', file, cred, `${cred.what} and uses the network ${where} (${near.what}, line ${near.line})`));
  }
}

const PACKAGE_INIT = /(?:^|\/)__init__\.py$/;

function importTimeCalls(py: PyFacts): PyFacts['process'] {
  return [...py.network.filter((n) => n.kind !== 'import'), ...py.process].filter((c) => c.importTime);
}

/** Only a package __init__: every import of the package runs it. Other modules' top level is often a script's body. */
function judgeImportTime(file: string, py: PyFacts, emit: Emit): void {
  if (!PACKAGE_INIT.test(file)) return;
  for (const call of importTimeCalls(py)) emit(fromHit(R.importTime, 'block', file, call, `package __init__ calls ${call.what} at import time`));
}

export const ENDPOINT_LABEL: Record<EndpointCategory, string> = {
  'url-shortener': 'URL shortener',
  'paste-site': 'paste site',
  webhook: 'webhook service',
  tunnel: 'tunnel service',
  'raw-ip': 'raw public IP address',
};

/**
 * Test code is full of example IPs and is neither built nor imported. In package
 * code an endpoint blocks where it would run unasked: in a package __init__ or
 * next to import-time network or process calls; elsewhere (a pastebin or
 * Telegram feature) it is a warning.
 */
function judgeEndpoints(file: string, role: FileRole, py: PyFacts, emit: Emit): void {
  if (role === 'aux') return;
  const runsAtImport = role === 'build' || PACKAGE_INIT.test(file) || importTimeCalls(py).length > 0;
  for (const hit of py.endpoints) {
    const severity = runsAtImport ? 'block' : 'warn';
    emit(fromHit(R.endpoint, severity, file, hit, `${roleLabel(role)} names a ${ENDPOINT_LABEL[hit.category]}: ${hit.what}`));
  }
}

/**
 * In strings and comments, a lone joiner, mark or variation selector is
 * ordinary text (emoji, Arabic dates, Unicode tables). What hides code is a
 * bidi control (Trojan Source) or a long run of invisible characters (a payload).
 */
export const HIDDEN_RUN = 8;

function judgeHidden(file: string, role: FileRole, py: PyFacts, emit: Emit): void {
  for (const h of py.hidden) {
    if (h.context === 'code') {
      emit(fromHit(R.hiddenUnicode, byRole('block', role), file, h, `hidden characters in code (outside strings and comments): ${h.what}`));
    } else if (h.kind === 'bidi') {
      emit(fromHit(R.hiddenUnicode, byRole('block', role), file, h, `bidirectional control characters in a ${h.context}: ${h.what}`));
    } else if (h.run >= HIDDEN_RUN) {
      emit(fromHit(R.hiddenUnicode, byRole('block', role), file, h, `a run of ${h.run} invisible characters in a ${h.context} (hidden payload?): ${h.what}`));
    }
  }
}

/** Every rule that reads Python source, for one file in its role. */
export function judgePython(file: FileFacts, role: FileRole, emit: Emit): void {
  const py = file.python;
  if (!py) return;
  const label = roleLabel(role);
  if (role === 'build') judgeBuildScript(file.path, py, emit);
  if (role === 'package') judgeImportTime(file.path, py, emit);
  for (const hit of py.execDecoded) emit(fromHit(R.execDecoded, byRole('block', role), file.path, hit, `${label} executes decoded data: ${hit.what}`));
  for (const hit of py.downloadExec) emit(fromHit(R.downloadExec, byRole('block', role), file.path, hit, `${label} executes what it downloads: ${hit.what}`));
  judgeCredentials(file.path, role, py, emit);
  judgeEndpoints(file.path, role, py, emit);
  judgeHidden(file.path, role, py, emit);
  if (file.truncated && role !== 'aux') {
    emit({
      rule: R.unscanned,
      severity: role === 'build' ? 'block' : 'warn',
      file: file.path,
      line: 0,
      excerpt: '',
      message: `${label} is ${file.size} bytes; only the first part was scanned`,
    });
  }
}
