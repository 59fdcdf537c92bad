import type { FileFacts } from './collect.js';
import type { FileRole } from './file-roles.js';
import { byRole, fromHit, roleLabel, type Emit } from './finding.js';
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

function judgeCredentials(file: string, role: FileRole, py: PyFacts, emit: Emit): void {
  const network = py.network.filter((n) => role === 'build' || n.kind !== 'import');
  if (py.credentials.length === 0 || network.length === 0) return;
  for (const cred of py.credentials) {
    const near = network.find((n) => n.scope === cred.scope);
    const other = network[0] as (typeof network)[number];
    if (role === 'build') {
      emit(fromHit(R.credentials, 'block', file, cred, `build script ${cred.what} and uses the network (${other.what}, line ${other.line})`));
    } else if (near) {
      const where = cred.scope === -1 ? 'at module level' : 'in the same function';
      emit(fromHit(R.credentials, byRole('block', role), file, cred, `${cred.what} and uses the network ${where} (${near.what}, line ${near.line})`));
    } else if (role === 'package') {
      emit(fromHit(R.credentials, 'warn', file, cred, `${cred.what}; the file also uses the network (${other.what}, line ${other.line})`));
    }
  }
}

function judgeImportTime(file: string, py: PyFacts, emit: Emit): void {
  const isInit = /(?:^|\/)__init__\.py$/.test(file);
  const calls = [...py.network.filter((n) => n.kind !== 'import'), ...py.process].filter((c) => c.importTime);
  for (const call of calls) {
    const severity = isInit ? 'block' : 'warn';
    const where = isInit ? 'package __init__' : 'module';
    emit(fromHit(R.importTime, severity, file, call, `${where} calls ${call.what} at import time`));
  }
}

function judgeHidden(file: string, role: FileRole, py: PyFacts, emit: Emit): void {
  for (const h of py.hidden) {
    if (h.context === 'code') {
      emit(fromHit(R.hiddenUnicode, 'block', file, h, `hidden characters in code (outside strings and comments): ${h.what}`));
    } else if (h.kind === 'bidi') {
      emit(fromHit(R.hiddenUnicode, byRole('block', role), file, h, `bidirectional control characters in a ${h.context}: ${h.what}`));
    } else if (h.run >= 8) {
      emit(fromHit(R.hiddenUnicode, byRole('block', role), file, h, `a run of ${h.run} invisible characters in a ${h.context} (hidden payload?): ${h.what}`));
    } else if (role !== 'aux' && !h.benignJoiner && !h.prose) {
      emit(fromHit(R.hiddenUnicode, 'warn', file, h, `invisible character in a ${h.context}: ${h.what}`));
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
  for (const hit of py.endpoints) emit(fromHit(R.endpoint, byRole('block', role), file.path, hit, `${label} names a ${hit.category.replace('-', ' ')} endpoint: ${hit.what}`));
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
