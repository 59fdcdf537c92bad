import { z } from 'zod';

/** `keyring --mode creds --output json get SERVICE`: external output, only the fields used. */
export const KeyringCredential = z.object({
  username: z.string().max(1024).optional(),
  password: z.string().min(1).max(16 * 1024),
});
export type KeyringCredential = z.infer<typeof KeyringCredential>;

/** What `--attestations` may say. */
export const ATTESTATION_MODES = ['auto', 'always', 'never'] as const;
export type AttestationMode = (typeof ATTESTATION_MODES)[number];
