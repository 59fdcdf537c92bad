import { sha256 } from '../core/digest.js';
import { HBUILD_VERSION } from '../core/version.js';
import { RULES } from './rules.js';
import type { Finding } from './types.js';
import type { VettedPackage } from './types.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Finding['severity'], Level> = { block: 'error', warn: 'warning', allowed: 'note' };

function artifactUri(sdistFile: string, path: string): string {
  return [sdistFile, ...path.split('/')].filter((s) => s !== '').map(encodeURIComponent).join('/');
}

function sarifResult(v: VettedPackage, f: Finding, ruleIndex: Map<string, number>): Record<string, unknown> {
  const physicalLocation: Record<string, unknown> = { artifactLocation: { uri: artifactUri(v.file, f.file) } };
  if (f.line > 0) physicalLocation.region = { startLine: f.line, ...(f.excerpt ? { snippet: { text: f.excerpt } } : {}) };
  const result: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex: ruleIndex.get(f.rule),
    level: LEVEL[f.severity],
    message: { text: `${v.name} ${v.version}: ${f.message}` },
    locations: [{ physicalLocation }],
    // Stable across runs and line shifts: the package, the rule, the file and what matched.
    partialFingerprints: { 'hbuildFinding/v1': sha256(`${v.name}\0${f.rule}\0${f.file}\0${f.excerpt || f.message}`) },
    properties: { package: v.name, version: v.version, sdistSha256: v.sha256, severity: f.severity },
  };
  if (f.exception?.status === 'applied') {
    result.suppressions = [{ kind: 'external', status: 'accepted', justification: `${f.exception.reason} (until ${f.exception.expires})` }];
  }
  return result;
}

/** A SARIF 2.1.0 log with one run: the rule set as tool.driver.rules, every finding (and hold) as a result. */
export function renderSarif(vetted: readonly VettedPackage[]): Record<string, unknown> {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const results: Record<string, unknown>[] = [];
  for (const v of vetted) {
    if (!v.result) continue;
    if (v.result.held) {
      results.push({
        ruleId: 'HB100',
        ruleIndex: ruleIndex.get('HB100'),
        level: 'error',
        message: { text: `${v.name} ${v.version}: ${v.result.held.message}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(v.file, '') } } }],
        partialFingerprints: { 'hbuildFinding/v1': sha256(`${v.name}\0HB100\0${v.sha256}`) },
      });
    }
    for (const f of v.result.findings) results.push(sarifResult(v, f, ruleIndex));
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hbuild-vet',
            version: HBUILD_VERSION,
            semanticVersion: HBUILD_VERSION,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: { text: r.description },
              help: { text: r.help },
              defaultConfiguration: { level: r.severity === 'block' ? 'error' : 'warning' },
              properties: { tags: ['security', 'supply-chain'] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
