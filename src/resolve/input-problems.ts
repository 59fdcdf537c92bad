import { HbuildError } from '../core/errors.js';
import type { InputProblem } from './input/types.js';

/** Every input entry hbuild cannot lock, in one error: nothing is written. */
export function inputProblems(problems: readonly InputProblem[]): HbuildError {
  const lines = problems.map((p) => `  ${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.text ? `${p.text}: ` : ''}${p.reason}`);
  return new HbuildError('ERR_USAGE', `${problems.length === 1 ? 'an input entry' : `${problems.length} input entries`} cannot be locked; nothing was written:\n${lines.join('\n')}`, {
    hint: 'hbuild locks exact pins of released sdists (name==version); pin these, e.g. with pip-compile or uv, and run again',
    details: { problems },
  });
}
