// The publish stage's face: other folders import from here only.
export { publishWheelhouseToIndex, uploadFields, type PublishOptions, type PublishResult } from './publish.js';
export { keyringCommand, type KeyringLookup, type KeyringAnswer } from './keyring.js';
export { resolveCredentials, TOKEN_USERNAME, type UploadCredentials, type CredentialSource } from './credentials.js';
export { ATTESTATION_MODES, type AttestationMode } from './schema.js';
