import { HbuildError } from '../core/errors.js';
import type { Credentials } from '../fetch/index-client.js';
import type { KeyringLookup } from './keyring.js';

/** Where each half of the credentials came from; said in the output, the password never is. */
export type CredentialSource = 'flag' | 'environment' | 'url' | 'netrc' | 'keyring' | 'default';

export interface UploadCredentials {
  username: string;
  password: string;
  usernameFrom: CredentialSource;
  passwordFrom: CredentialSource;
}

export interface CredentialInputs {
  /** The repository URL as given; user info in it counts as credentials. */
  repository: URL;
  /** The keyring's service name: the repository URL without credentials, as the user wrote it. */
  service: string;
  /** `--username`. */
  username?: string;
  env: NodeJS.ProcessEnv;
  netrc: (url: URL) => Credentials | undefined;
  keyring: KeyringLookup;
}

/** The user name token indexes take with an API token as the password (twine's default for them). */
export const TOKEN_USERNAME = '__token__';

/**
 * Credentials the way twine finds them: the user name from `--username`, `TWINE_USERNAME`, the
 * URL, netrc, the keyring; the password from `TWINE_PASSWORD`, the URL, netrc (for that user),
 * the keyring (`keyring get SERVICE USER`). There is no password flag: a command line is seen
 * by every process on the machine. Without any password, ERR_CREDENTIALS says where it looked.
 */
export async function resolveCredentials(inputs: CredentialInputs): Promise<UploadCredentials> {
  const { repository, env } = inputs;
  const fromUrl = repository.username !== '' ? decodeURIComponent(repository.username) : undefined;
  const netrc = inputs.netrc(repository);
  let username: string | undefined;
  let usernameFrom: CredentialSource = 'default';
  if (inputs.username !== undefined) [username, usernameFrom] = [inputs.username, 'flag'];
  else if (nonEmpty(env.TWINE_USERNAME)) [username, usernameFrom] = [env.TWINE_USERNAME, 'environment'];
  else if (fromUrl !== undefined) [username, usernameFrom] = [fromUrl, 'url'];
  else if (netrc !== undefined && netrc.login !== '') [username, usernameFrom] = [netrc.login, 'netrc'];

  if (nonEmpty(env.TWINE_PASSWORD)) return done(username, usernameFrom, env.TWINE_PASSWORD, 'environment');
  if (repository.password !== '') return done(username, usernameFrom, decodeURIComponent(repository.password), 'url');
  if (netrc !== undefined && netrc.password !== '' && (username === undefined || netrc.login === username)) {
    return done(username ?? netrc.login, username === undefined ? 'netrc' : usernameFrom, netrc.password, 'netrc');
  }
  const answer = await inputs.keyring(inputs.service, username);
  if (answer.found) {
    if (username === undefined && answer.username !== undefined) return done(answer.username, 'keyring', answer.password, 'keyring');
    return done(username, usernameFrom, answer.password, 'keyring');
  }
  const who = username === undefined ? '' : ` for user ${username}`;
  const keyring = answer.installed ? `the keyring (service ${inputs.service})` : 'the keyring (the `keyring` command is not installed)';
  throw new HbuildError('ERR_CREDENTIALS', `no password${who} for ${inputs.service}: looked in TWINE_PASSWORD, the URL, netrc and ${keyring}`, {
    hint: 'set TWINE_USERNAME and TWINE_PASSWORD, add a machine entry to ~/.netrc ($NETRC), or store it with `keyring set SERVICE USER`',
  });
}

function done(username: string | undefined, usernameFrom: CredentialSource, password: string, passwordFrom: CredentialSource): UploadCredentials {
  return username === undefined || username === ''
    ? { username: TOKEN_USERNAME, usernameFrom: 'default', password, passwordFrom }
    : { username, usernameFrom, password, passwordFrom };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
