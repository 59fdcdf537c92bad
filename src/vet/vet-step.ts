import { HbuildError } from '../core/errors.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { LoadedRecipe } from '../recipe/read-recipe.js';
import type { Store } from '../store/store.js';
import { digestJson } from '../core/digest.js';
import { RULE_SET_VERSION } from './rules.js';
import { parseVetExceptions } from './schema.js';
import type { VetResult, VetSummary } from './types.js';
import { quarantine } from './verdict.js';
import { vetSdist } from './vet-sdist.js';

/** `enforce` refuses blocked or held sources; `report` records the verdict and builds anyway. */
export type VetMode = 'enforce' | 'report';

export interface VetStepOptions {
  store: Store;
  mode: VetMode;
  minAgeDays: number;
  now?: Date;
}

/**
 * Vet one fetched, inspected sdist. The rules' findings are a pure function of the
 * sdist bytes, the rule set and the exceptions on a given day, so they are memoised
 * in the store; the quarantine is judged afresh on every run.
 */
export async function vetStep(pkg: PlannedPackage, sdistPath: string, sha256: string, recipe: LoadedRecipe | null, options: VetStepOptions): Promise<VetSummary> {
  const now = options.now ?? new Date();
  const exceptions = parseVetExceptions(recipe?.recipe.vet?.exceptions ?? [], recipe?.path ?? 'recipe');
  const key = digestJson({ v: RULE_SET_VERSION, sha256, name: pkg.name, version: pkg.version, exceptions, day: now.toISOString().slice(0, 10) });
  let result = await options.store.readMemo<VetResult>('vet', key);
  if (!result || result.ruleSetVersion !== RULE_SET_VERSION) {
    result = await vetSdist(sdistPath, { name: pkg.name, version: pkg.version, sha256 }, { exceptions, now, minAgeDays: 0 });
    await options.store.writeMemo('vet', key, result);
  }
  // A source given as a local file has no release time; one from an index without a time fails closed.
  const uploadTime = pkg.sdist['upload-time'];
  const held = pkg.sdist.path && !uploadTime ? undefined : quarantine(uploadTime, now, options.minAgeDays, pkg.quarantineExemption);
  const summary: VetSummary = { ruleSetVersion: result.ruleSetVersion, verdict: result.verdict, findingsDigest: result.findingsDigest };
  if (options.mode === 'report') return summary;
  if (held) {
    throw new HbuildError('ERR_VET_BLOCKED', `${pkg.name} ${pkg.version} is held in quarantine: ${held.message}`, {
      hint: 'wait until the quarantine ends, or record a reviewed exemption in the lock (quarantine-exemption: reason, expires)',
      details: { held },
    });
  }
  if (result.verdict === 'block') {
    const blocking = result.findings.filter((f) => f.severity === 'block');
    const lines = blocking.slice(0, 10).map((f) => `  ${f.rule} ${f.file}:${f.line}: ${f.message}`);
    throw new HbuildError('ERR_VET_BLOCKED', `vetting blocked ${pkg.name} ${pkg.version}:\n${lines.join('\n')}${blocking.length > 10 ? `\n  … and ${blocking.length - 10} more` : ''}`, {
      hint: 'read the findings (`hbuild vet LOCK --only NAME`); if reviewed and harmless, add an exception to the recipe (rule, file, sdist-sha256, reason, expires)',
      details: { findings: blocking },
    });
  }
  return summary;
}
