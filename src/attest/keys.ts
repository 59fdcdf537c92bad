import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { link, mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { sha256 } from '../core/digest.js';
import { tempPathFor, writeFileAtomic } from '../core/fs-atomic.js';
import { readLimited } from './read-limited.js';

/** An ed25519 key pair, ready to sign DSSE envelopes. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** sha256 (hex) of the public key's SPKI DER encoding. */
  keyid: string;
  publicPem: string;
  /** Where the private key was read from (or generated at). */
  path: string;
  generated: boolean;
}

/** A public key to verify against. */
export interface VerifyKey {
  publicKey: KeyObject;
  keyid: string;
  publicPem: string;
}

const MAX_KEY_BYTES = 16 * 1024;
const PUBLIC_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\r?\n?$/;

/** `$XDG_CONFIG_HOME/hbuild/signing-key.pem`, else `~/.config/hbuild/signing-key.pem`. */
export function defaultSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'hbuild', 'signing-key.pem');
}

export function keyIdOf(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' }));
}

/**
 * The signing key from `keyPath` (unencrypted PKCS#8 PEM, ed25519, owner-only), or
 * the default key, generated with mode 0600 on first use. An explicit path is never
 * generated: a typo must not silently sign with a fresh key.
 */
export async function loadSigningKey(options: { keyPath?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SigningKey> {
  if (options.keyPath !== undefined) return readSigningKey(options.keyPath);
  const path = defaultSigningKeyPath(options.env);
  try {
    return await readSigningKey(path);
  } catch (err) {
    if (!(err instanceof HbuildError && err.details.missing === true)) throw err;
  }
  return generateSigningKey(path);
}

async function readSigningKey(path: string): Promise<SigningKey> {
  const read = await readLimited(path, MAX_KEY_BYTES, { ownerOnly: true }).catch((err: unknown) => {
    throw keyError(path, (err as Error).message, (err as NodeJS.ErrnoException).code === 'ENOENT');
  });
  const pem = read.toString('utf8');
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) {
    throw keyError(path, 'is not an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----")');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw keyError(path, `cannot be read as a private key: ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw keyError(path, `is a ${privateKey.asymmetricKeyType ?? 'symmetric'} key; hbuild signs with ed25519`);
  }
  return withPublic(privateKey, path, false);
}

async function generateSigningKey(path: string): Promise<SigningKey> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  // Write aside, then link into place: a concurrent first use keeps whichever key landed first.
  const tmp = tempPathFor(path);
  await writeFileAtomic(tmp, pem, 0o600);
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readSigningKey(path);
  } finally {
    await rm(tmp, { force: true });
  }
  const key = withPublic(privateKey, path, true);
  await writeFileAtomic(publicKeyPathFor(path), key.publicPem);
  return key;
}

/** The public half is kept beside the private key so it can be handed out and pinned. */
export function publicKeyPathFor(privateKeyPath: string): string {
  return privateKeyPath.replace(/\.pem$/, '') + '.pub.pem';
}

function withPublic(privateKey: KeyObject, path: string, generated: boolean): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, keyid: keyIdOf(publicKey), publicPem, path, generated };
}

/**
 * Parse a public key strictly: exactly one `PUBLIC KEY` PEM block holding ed25519
 * SPKI DER that re-encodes to the same bytes. Throws a plain message; callers name the file.
 */
export function parsePublicKey(pem: string): VerifyKey {
  const m = PUBLIC_PEM.exec(pem);
  if (m === null) throw new Error('is not a single PEM "PUBLIC KEY" block');
  const body = (m[1] as string).replace(/\r?\n/g, '');
  const der = Buffer.from(body, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || der.toString('base64') !== body) throw new Error('has a malformed PEM body');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (err) {
    throw new Error(`is not a public key: ${(err as Error).message}`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not ed25519`);
  const canonical = publicKey.export({ type: 'spki', format: 'der' });
  if (!canonical.equals(der)) throw new Error('is not in canonical SPKI encoding');
  return { publicKey, keyid: sha256(canonical), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function keyError(path: string, problem: string, missing = false): HbuildError {
  return new HbuildError('ERR_SIGNING_KEY', `signing key ${path} ${problem}`, {
    hint: missing
      ? 'pass an existing PKCS#8 ed25519 key with --key, or omit --key to use (and on first use create) the default key'
      : 'use an unencrypted PKCS#8 ed25519 key with mode 0600, e.g. `openssl genpkey -algorithm ed25519 -out key.pem && chmod 600 key.pem`',
    details: { path, missing },
  });
}
