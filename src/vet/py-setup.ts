import { resolveName, type PyModuleNames } from './py-calls.js';
import type { Hit } from './py-context.js';
import type { PyStatement } from './py-statements.js';
import type { PyViews } from './py-tokenize.js';

/** setup.py-specific facts: command overrides and how it asks for dependencies. */
export interface SetupFacts {
  /** `cmdclass` entries that replace an install-time command. */
  cmdclass: Hit[];
  /** Classes subclassing such a command: statement index, for "does its body spawn processes". */
  commandClasses: Array<Hit & { statement: number; command: string }>;
  setupRequires: Hit[];
  dependencyLinks: Hit[];
  urlRequirements: Hit[];
}

const COMMANDS = 'install|install_lib|install_scripts|develop|egg_info|build';
const CMDCLASS_KEY = new RegExp(`(['"])(${COMMANDS})\\1\\s*(?::|\\]\\s*=)`, 'g');
const CMDCLASS_DICT_CALL = /\bcmdclass\s*=\s*dict\s*\(([^)]*)\)/;
const DICT_KWARG = new RegExp(`(?<![\\w.])(${COMMANDS})\\s*=\\s*[A-Za-z_]`, 'g');
const COMMAND_BASE = new RegExp(`(?:^|\\.)command\\.(${COMMANDS})\\.(${COMMANDS})$`);
const CLASS_HEADER = /^class\s+([A-Za-z_]\w*)\s*\(([^)]*)\)/;
/** PEP 508 `name @ url`, or a bare VCS/archive URL given where a requirement is expected. */
export const URL_REQUIREMENT = /^\s*[A-Za-z0-9][\w.-]*\s*(?:\[[^\]]*\])?\s*@\s*(?:https?|file|ftp|(?:git|hg|svn|bzr)\+\w+):|^\s*(?:git|hg|svn|bzr)\+(?:https?|ssh|git|file):\/\//i;

export function setupFacts(
  views: PyViews,
  statements: readonly PyStatement[],
  names: PyModuleNames,
  hitAt: (offset: number, what: string) => Hit,
): SetupFacts {
  const facts: SetupFacts = { cmdclass: [], commandClasses: [], setupRequires: [], dependencyLinks: [], urlRequirements: [] };
  for (const [index, st] of statements.entries()) {
    if (/\bcmdclass\b/.test(st.code)) {
      for (const m of st.bare.matchAll(CMDCLASS_KEY)) facts.cmdclass.push(hitAt(st.start + m.index, m[2] as string));
      const dictCall = CMDCLASS_DICT_CALL.exec(st.code);
      if (dictCall) {
        const from = dictCall.index + dictCall[0].indexOf('(');
        for (const m of (dictCall[1] as string).matchAll(DICT_KWARG)) facts.cmdclass.push(hitAt(st.start + from + 1 + m.index, m[1] as string));
      }
    }
    const header = CLASS_HEADER.exec(st.code.trim());
    if (header) {
      for (const base of (header[2] as string).split(',')) {
        const resolved = resolveName(base.trim().replace(/\s+/g, ''), names);
        const m = COMMAND_BASE.exec(resolved);
        if (m && m[1] === m[2]) facts.commandClasses.push({ ...hitAt(st.start, `${header[1]}(${m[1]})`), statement: index, command: m[1] as string });
      }
    }
    const setupRequires = /\bsetup_requires\s*=/.exec(st.code);
    if (setupRequires) facts.setupRequires.push(hitAt(st.start + setupRequires.index, 'setup_requires'));
    const links = /\bdependency_links\s*=/.exec(st.code);
    if (links) facts.dependencyLinks.push(hitAt(st.start + links.index, 'dependency_links'));
  }
  for (const s of views.strings) {
    if (s.body.length < 300 && URL_REQUIREMENT.test(s.body)) facts.urlRequirements.push(hitAt(s.start, s.body.trim()));
  }
  return facts;
}
