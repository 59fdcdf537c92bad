import type { z } from 'zod';
import { openEnvelope } from './dsse.js';
import type { VerifyKey } from './keys.js';
import { DefectError } from './problem.js';
import { decodeUtf8, readLimited } from './read-limited.js';
import { ProvenanceStatement, SbomStatement, VsaStatement } from './schema.js';

const MAX_STATEMENT_FILE = 4 * 1024 * 1024;
const MAX_MULTI_FILE = 128 * 1024 * 1024;
const MAX_LINES = 10_000;

/**
 * Every envelope of an `.intoto.jsonl` file, signature-checked, as untyped
 * statements: one envelope per line, each line ending in a newline, no blank lines.
 */
export async function readStatements(path: string, key: VerifyKey, maxBytes: number, maxLines: number): Promise<unknown[]> {
  let text: string;
  try {
    text = decodeUtf8(await readLimited(path, maxBytes, { noFollow: true }));
  } catch (err) {
    throw new DefectError(err instanceof TypeError ? 'is not UTF-8 text' : (err as Error).message);
  }
  if (!text.endsWith('\n')) throw new DefectError(text === '' ? 'is empty' : 'does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length > maxLines) throw new DefectError(`holds ${lines.length} lines, more than the ${maxLines} allowed`);
  return lines.map((line, i) => {
    if (line === '') throw new DefectError(`line ${i + 1} is blank`);
    try {
      return openEnvelope(line, key);
    } catch (err) {
      if (err instanceof DefectError && lines.length > 1) throw new DefectError(`line ${i + 1} ${err.message}`);
      throw err;
    }
  });
}

/** The provenance file of one wheel: exactly one signed SLSA provenance statement about that wheel. */
export async function readProvenance(path: string, wheelFile: string, key: VerifyKey): Promise<ProvenanceStatement> {
  const statements = await readStatements(path, key, MAX_STATEMENT_FILE, 1);
  const statement = typed(ProvenanceStatement, statements[0], 'an hbuild SLSA provenance statement');
  const subject = statement.subject[0] as { name: string };
  if (subject.name !== wheelFile) throw new DefectError(`is about ${JSON.stringify(subject.name)}, but its file name says ${JSON.stringify(wheelFile)}`);
  return statement;
}

export async function readSbomStatement(path: string, key: VerifyKey): Promise<SbomStatement> {
  const statements = await readStatements(path, key, MAX_MULTI_FILE, 1);
  return typed(SbomStatement, statements[0], 'a CycloneDX SBOM statement');
}

/** A verify run's summaries: one signed VSA per wheel, no wheel twice. */
export async function readVerificationSummaries(path: string, key: VerifyKey): Promise<VsaStatement[]> {
  const statements = await readStatements(path, key, MAX_MULTI_FILE, MAX_LINES);
  const seen = new Set<string>();
  return statements.map((raw, i) => {
    const statement = typed(VsaStatement, raw, 'an hbuild verification summary', statements.length > 1 ? i + 1 : undefined);
    const name = (statement.subject[0] as { name: string }).name;
    if (seen.has(name)) throw new DefectError(`summarises ${name} twice`);
    seen.add(name);
    return statement;
  });
}

function typed<T extends z.ZodType>(schema: T, raw: unknown, what: string, line?: number): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = line === undefined ? '' : `line ${line} `;
  throw new DefectError(`${where}is not ${what} (${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`);
}
