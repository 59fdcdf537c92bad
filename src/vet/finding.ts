import type { FileRole } from './file-roles.js';
import type { Hit } from './py-facts.js';
import type { Severity } from './types.js';

/** A rule's match before exceptions are applied. */
export interface RawFinding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  excerpt: string;
  message: string;
}

export type Emit = (finding: RawFinding) => void;

/** Tests, docs and tooling neither build nor import: a match there is worth a look, not a stop. */
export function byRole(severity: Severity, role: FileRole): Severity {
  return role === 'aux' ? 'warn' : severity;
}

export function fromHit(rule: string, severity: Severity, file: string, hit: Hit, message: string): RawFinding {
  return { rule, severity, file, line: hit.line, excerpt: hit.excerpt, message };
}

export function roleLabel(role: FileRole): string {
  return role === 'build' ? 'build script' : role === 'package' ? 'package code' : 'test/doc/tooling file';
}
