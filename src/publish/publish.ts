import { HbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import type { Credentials } from '../fetch/index-client.js';
import { readAttestations, type Pep740Attestation } from './attestations.js';
import { resolveCredentials, type UploadCredentials } from './credentials.js';
import { hashListedFile, readIndexState, supportsAttestations, type IndexAccess } from './index-state.js';
import type { KeyringLookup } from './keyring.js';
import { planPublish, type PublishStep } from './plan.js';
import { readWheelhouse, type LocalWheel } from './read-wheelhouse.js';
import type { AttestationMode } from './schema.js';
import { uploadFile } from './upload.js';
import { readUploadMetadata, type FormField } from './wheel-metadata.js';
import { publishTargets } from './targets.js';

export interface PublishOptions {
  wheelhouse: string;
  /** The upload URL (legacy upload API); may carry credentials. */
  repository: string;
  /** The index's simple page root; default: `simple/` under the repository URL. */
  indexUrl?: string;
  username?: string;
  attestations: AttestationMode;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  netrc: (url: URL) => Credentials | undefined;
  keyring: KeyringLookup;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

export interface PublishResult {
  uploaded: string[];
  skipped: string[];
  /** Whether attestations went with the uploads, and why (or why not). */
  attestations: { sent: boolean; reason: string };
  /** Without the password. */
  credentials: Omit<UploadCredentials, 'password'> | null;
}

/**
 * `hbuild publish`: re-verify the wheelhouse against its own records, plan every wheel against
 * what the index already lists (same sha256: skipped; another sha256: the whole publish is
 * refused before anything is sent), then upload the rest one by one.
 */
export async function publishWheelhouseToIndex(options: PublishOptions): Promise<PublishResult> {
  const targets = publishTargets(options.repository, options.indexUrl);
  const wheels = await readWheelhouse(options.wheelhouse);
  const metadata = new Map<string, { fields: FormField[]; pyversion: string; metadataVersion: string }>();
  for (const wheel of wheels) metadata.set(wheel.file, await readUploadMetadata(wheel));

  const credentials = options.dryRun ? null : await resolveCredentials({ repository: targets.repository, service: targets.service, username: options.username, env: options.env, netrc: options.netrc, keyring: options.keyring });
  // The upload's credentials go to the simple pages too when they are on the same origin; netrc answers for other hosts.
  const credentialsFor = (url: URL): Credentials | undefined =>
    credentials !== null && url.origin === targets.upload.origin ? { login: credentials.username, password: credentials.password } : options.netrc(url);
  const access: IndexAccess = { simpleUrl: targets.simple.href, credentialsFor, signal: options.signal };

  const state = await readIndexState(wheels, access);
  const steps = await settleComparisons(planPublish(wheels, state.pages), access);
  const conflicts = steps.filter((s) => s.action === 'conflict');
  if (conflicts.length > 0) throw conflictError(conflicts, targets.shown);

  const attestations = await chooseAttestations(options, state.repositoryVersion, wheels);
  const result: PublishResult = { uploaded: [], skipped: [], attestations: { sent: attestations.sent !== null, reason: attestations.reason }, credentials: credentials === null ? null : withoutPassword(credentials) };
  for (const step of steps) {
    const { wheel } = step;
    if (step.action === 'skip') {
      result.skipped.push(wheel.file);
      options.emit({ type: 'package', name: wheel.name, version: wheel.version, stage: 'publish', status: 'cached', message: `${wheel.file} is already on the index with the same sha256` });
      continue;
    }
    if (options.dryRun || credentials === null) {
      options.emit({ type: 'package', name: wheel.name, version: wheel.version, stage: 'publish', status: 'queued', message: `${wheel.file} would be uploaded` });
      continue;
    }
    if (options.signal.aborted) throw new HbuildError('ERR_CANCELLED', 'publish interrupted', { hint: `uploaded so far: ${result.uploaded.join(', ') || 'nothing'}; publish again to send the rest` });
    options.emit({ type: 'package', name: wheel.name, version: wheel.version, stage: 'publish', status: 'running', message: `uploading ${wheel.file}` });
    const meta = metadata.get(wheel.file) as { fields: FormField[]; pyversion: string; metadataVersion: string };
    const attestation = attestations.sent?.get(wheel.file);
    const outcome = await uploadFile({
      url: targets.upload,
      credentials,
      fields: uploadFields(wheel, meta, attestation),
      file: { field: 'content', filename: wheel.file, path: wheel.path, size: wheel.size, sha256: wheel.sha256 },
      signal: options.signal,
    });
    if (outcome.kind === 'exists') {
      // Someone uploaded it since the plan was made: the same bytes are fine, others are not.
      const again = await readIndexState([wheel], access);
      const [settled] = await settleComparisons(planPublish([wheel], again.pages), access);
      if (settled?.action !== 'skip') throw conflictError(settled?.action === 'conflict' ? [settled] : [], targets.shown, { file: wheel.file, answer: outcome.message, uploaded: result.uploaded });
      result.skipped.push(wheel.file);
      options.emit({ type: 'package', name: wheel.name, version: wheel.version, stage: 'publish', status: 'cached', message: `${wheel.file} appeared on the index meanwhile, with the same sha256` });
      continue;
    }
    result.uploaded.push(wheel.file);
    options.emit({ type: 'package', name: wheel.name, version: wheel.version, stage: 'publish', status: 'done', message: `uploaded ${wheel.file}${attestation === undefined ? '' : ' with its attestation'}` });
  }
  return result;
}

/** The form of one upload: the API's fields, the wheel's core metadata, and its attestation where it goes along. */
export function uploadFields(wheel: LocalWheel, meta: { fields: readonly FormField[]; pyversion: string }, attestation?: Pep740Attestation): FormField[] {
  const fields: FormField[] = [
    [':action', 'file_upload'],
    ['protocol_version', '1'],
    ['filetype', 'bdist_wheel'],
    ['pyversion', meta.pyversion],
    ['sha256_digest', wheel.sha256],
    ...meta.fields,
  ];
  if (attestation !== undefined) fields.push(['attestations', JSON.stringify([attestation])]);
  return fields;
}

async function settleComparisons(steps: PublishStep[], access: IndexAccess): Promise<PublishStep[]> {
  const settled: PublishStep[] = [];
  for (const step of steps) {
    if (step.action !== 'compare') {
      settled.push(step);
      continue;
    }
    const remote = await hashListedFile(step.listed, step.wheel, access);
    settled.push(remote === step.wheel.sha256 ? { action: 'skip', wheel: step.wheel, listed: step.listed } : { action: 'conflict', wheel: step.wheel, listed: step.listed, remoteSha256: remote });
  }
  return settled;
}

async function chooseAttestations(options: PublishOptions, repositoryVersion: string | undefined, wheels: readonly LocalWheel[]): Promise<{ sent: Map<string, Pep740Attestation> | null; reason: string }> {
  if (options.attestations === 'never') return { sent: null, reason: '--attestations never' };
  const declared = repositoryVersion === undefined ? 'declares no repository version' : `declares repository version ${repositoryVersion}`;
  if (options.attestations === 'auto' && !supportsAttestations(repositoryVersion)) {
    return { sent: null, reason: `the index ${declared}, older than PEP 740's 1.3, so it does not take attestations` };
  }
  const sent = await readAttestations(options.wheelhouse, wheels.map((w) => w.file));
  return { sent, reason: options.attestations === 'always' ? '--attestations always' : `the index ${declared} (PEP 740)` };
}

/** `race`: the clash showed only at upload time, after the plan, so earlier wheels may be on the index already. */
function conflictError(conflicts: Array<Extract<PublishStep, { action: 'conflict' }>>, where: string, race?: { file: string; answer: string; uploaded: readonly string[] }): HbuildError {
  const lines = conflicts.map((c) => `${c.wheel.file}: the index has sha256 ${c.remoteSha256}, this wheelhouse ${c.wheel.sha256}`);
  const sent = race === undefined ? 'nothing was uploaded' : `uploaded before it: ${race.uploaded.join(', ') || 'nothing'}`;
  const message =
    lines.length > 0
      ? `the index ${where} already has ${lines.length === 1 ? 'a file' : `${lines.length} files`} of the same name with other content; ${sent}:\n  ${lines.join('\n  ')}`
      : `the index ${where} refused ${race?.file ?? 'a file'} as already there (${race?.answer ?? ''}), but does not list it with the same sha256; ${sent}`;
  return new HbuildError('ERR_PUBLISH_CONFLICT', message, {
    hint: 'a published file name must never change content: find out which build is right; publish under a new version, or remove the index\'s file if it is wrong',
    details: { files: conflicts.map((c) => ({ file: c.wheel.file, local: c.wheel.sha256, index: c.remoteSha256 })) },
  });
}

function withoutPassword(credentials: UploadCredentials): Omit<UploadCredentials, 'password'> {
  const { password: _password, ...rest } = credentials;
  return rest;
}

