import { z } from 'zod';

/** Build slots one engine may offer; a pool is at most this many engines. */
export const MAX_SLOTS = 64;
export const MAX_ENGINES = 64;

/** One engine of a pool file. */
export const PoolEngine = z.strictObject({
  /** `unix:///var/run/docker.sock` (or a bare path), `tcp://HOST:PORT` (TLS only), `ssh://USER@HOST[:PORT]`. */
  address: z.string().min(1).max(1000),
  slots: z.int().min(1).max(MAX_SLOTS).default(1),
  /** tcp://: directory with ca.pem, cert.pem and key.pem (default: DOCKER_CERT_PATH). */
  certs: z.string().min(1).max(4096).optional(),
  /** ssh://: the server's host key fingerprint, `SHA256:<base64>` as `ssh-keygen -lf` prints it. */
  'host-key': z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, { error: 'SHA256:<43 base64 characters>, as ssh-keygen -l prints it' }).optional(),
});
export type PoolEngine = z.infer<typeof PoolEngine>;

/** A pool file (`--engines FILE`). */
export const PoolFile = z.strictObject({
  engines: z.array(PoolEngine).min(1).max(MAX_ENGINES),
  /** How often an engine that is left out is checked again. */
  'recheck-seconds': z.int().min(1).max(3600).default(30),
  /** Engines one build may be tried on before it fails. */
  'build-attempts': z.int().min(1).max(10).default(3),
});
export type PoolFile = z.infer<typeof PoolFile>;
