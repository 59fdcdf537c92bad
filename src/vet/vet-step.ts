import { HbuildError } from '../core/errors.js';
import { digestJson } from '../core/digest.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { LoadedRecipe } from '../recipe/read-recipe.js';
import type { Store } from '../store/store.js';
import { RULE_SET_VERSION } from './rules.js';
import { parseVetExceptions, VetResultMemo, type VetException } from './schema.js';
import type { VetResult, VetSummary } from './types.js';
import { quarantine } from './verdict.js';
import { vetSdist } from './vet-sdist.js';

/** `enforce` refuses blocked or held sources; `report` records the verdict and builds anyway. */
export type VetMode = 'enforce' | 'report';

export interface VetStepOptions {
  store: Store;
  mode: VetMode;
  minAgeDays: number;
  /** Exceptions that apply to every package besides its recipe's (`hbuild vet --exceptions`). */
  extraExceptions?: readonly VetException[];
  now?: Date;
  signal?: AbortSignal;
  /** Runs the rules over the source when no earlier result is kept (a run bounds how many read sources at once). */
  gate?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface VetOutcome {
  /** Findings, verdict and (when the quarantine holds the release) `held`. */
  result: VetResult;
  /** What the manifest and provenance record. */
  summary: VetSummary;
}

/**
 * Vet one fetched, inspected sdist. The rules' findings are a pure function of the
 * sdist bytes, the rule set and the exceptions on a given day, so they are memoised
 * in the store; the quarantine is judged afresh on every run. In `enforce` mode a
 * blocked or held source is refused (ERR_VET_BLOCKED).
 */
export async function vetStep(pkg: PlannedPackage, sdistPath: string, sha256: string, recipe: LoadedRecipe | null, options: VetStepOptions): Promise<VetOutcome> {
  const now = options.now ?? new Date();
  const exceptions = [...parseVetExceptions(recipe?.recipe.vet?.exceptions ?? [], recipe?.path ?? 'recipe'), ...(options.extraExceptions ?? [])];
  const key = digestJson({ v: RULE_SET_VERSION, sha256, name: pkg.name, version: pkg.version, exceptions, day: now.toISOString().slice(0, 10) });
  let rules = await options.store.readMemo('vet', key, VetResultMemo);
  if (!rules || rules.ruleSetVersion !== RULE_SET_VERSION) {
    const gate = options.gate ?? ((work) => work());
    rules = await gate(() => vetSdist(sdistPath, { name: pkg.name, version: pkg.version, sha256 }, { exceptions, now, minAgeDays: 0, ...(options.signal ? { signal: options.signal } : {}) }));
    await options.store.writeMemo('vet', key, rules);
  }
  // A source given as a local file has no release time; one from an index without a time fails closed.
  const uploadTime = pkg.sdist['upload-time'];
  const held = pkg.sdist.path && !uploadTime ? undefined : quarantine(uploadTime, now, options.minAgeDays, pkg.quarantineExemption);
  const result: VetResult = { ...rules, ...(held ? { held } : {}) };
  const summary: VetSummary = { ruleSetVersion: result.ruleSetVersion, verdict: result.verdict, findingsDigest: result.findingsDigest };
  if (options.mode === 'enforce') enforceVet(pkg, result);
  return { result, summary };
}

/** Refuse a source that vetting blocked or the quarantine holds. */
export function enforceVet(pkg: PlannedPackage, result: VetResult): void {
  if (result.held) {
    throw new HbuildError('ERR_VET_BLOCKED', `${pkg.name} ${pkg.version} is held in quarantine: ${result.held.message}`, {
      hint: 'wait until the quarantine ends, or record a reviewed exemption in the lock (quarantine-exemption: reason, expires)',
      details: { held: result.held },
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
}
