import { describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/fetch/index-client.js';
import { resolveCredentials, type CredentialInputs } from '../../src/publish/credentials.js';
import type { KeyringAnswer } from '../../src/publish/keyring.js';
import { refusal } from '../helpers/errors.js';

function inputs(overrides: Partial<CredentialInputs> & { netrcEntry?: Credentials; keyringAnswer?: KeyringAnswer } = {}) {
  const asked: Array<[string, string | undefined]> = [];
  const { netrcEntry, keyringAnswer, ...rest } = overrides;
  const value: CredentialInputs = {
    repository: new URL('https://index.test/upload/'),
    service: 'https://index.test/upload/',
    env: {},
    netrc: () => netrcEntry,
    keyring: async (service, username) => {
      asked.push([service, username]);
      return keyringAnswer ?? { found: false, installed: true };
    },
    ...rest,
  };
  return { value, asked };
}

describe('upload credentials, in twine\'s order', () => {
  it('takes TWINE_USERNAME and TWINE_PASSWORD before the URL, netrc and the keyring', async () => {
    const { value, asked } = inputs({
      repository: new URL('https://url-user:url-pass@index.test/upload/'),
      env: { TWINE_USERNAME: 'env-user', TWINE_PASSWORD: 'env-pass' },
      netrcEntry: { login: 'netrc-user', password: 'netrc-pass' },
    });

    const found = await resolveCredentials(value);

    expect(found).toEqual({ username: 'env-user', usernameFrom: 'environment', password: 'env-pass', passwordFrom: 'environment' });
    expect(asked).toEqual([]);
  });

  it('lets --username win over TWINE_USERNAME', async () => {
    const { value } = inputs({ username: 'flag-user', env: { TWINE_USERNAME: 'env-user', TWINE_PASSWORD: 'p' } });

    const found = await resolveCredentials(value);

    expect(found.username).toBe('flag-user');
    expect(found.usernameFrom).toBe('flag');
  });

  it('takes the URL\'s user info next, decoded', async () => {
    const { value } = inputs({ repository: new URL('https://us%40er:p%3Ass@index.test/upload/'), netrcEntry: { login: 'netrc-user', password: 'netrc-pass' } });

    const found = await resolveCredentials(value);

    expect(found).toEqual({ username: 'us@er', usernameFrom: 'url', password: 'p:ss', passwordFrom: 'url' });
  });

  it('takes netrc next, but its password only for its own login', async () => {
    const plain = inputs({ netrcEntry: { login: 'netrc-user', password: 'netrc-pass' } });
    const other = inputs({ username: 'someone-else', netrcEntry: { login: 'netrc-user', password: 'netrc-pass' }, keyringAnswer: { found: true, password: 'ring-pass' } });

    const fromNetrc = await resolveCredentials(plain.value);
    const fromKeyring = await resolveCredentials(other.value);

    expect(fromNetrc).toEqual({ username: 'netrc-user', usernameFrom: 'netrc', password: 'netrc-pass', passwordFrom: 'netrc' });
    expect(fromKeyring).toEqual({ username: 'someone-else', usernameFrom: 'flag', password: 'ring-pass', passwordFrom: 'keyring' });
    expect(other.asked).toEqual([['https://index.test/upload/', 'someone-else']]);
  });

  it('asks the keyring for both halves when no user name is known, and falls back to __token__', async () => {
    const both = inputs({ keyringAnswer: { found: true, username: 'ring-user', password: 'ring-pass' } });
    const token = inputs({ env: { TWINE_PASSWORD: 'pypi-token' } });

    const fromKeyring = await resolveCredentials(both.value);
    const fromToken = await resolveCredentials(token.value);

    expect(both.asked).toEqual([['https://index.test/upload/', undefined]]);
    expect(fromKeyring).toEqual({ username: 'ring-user', usernameFrom: 'keyring', password: 'ring-pass', passwordFrom: 'keyring' });
    expect(fromToken).toEqual({ username: '__token__', usernameFrom: 'default', password: 'pypi-token', passwordFrom: 'environment' });
  });

  it('fails with ERR_CREDENTIALS naming where it looked, and whether keyring is installed', async () => {
    const missing = inputs({ username: 'me', keyringAnswer: { found: false, installed: false } });

    const err = await refusal(resolveCredentials(missing.value));

    expect(err.code).toBe('ERR_CREDENTIALS');
    expect(err.message).toBe('no password for user me for https://index.test/upload/: looked in TWINE_PASSWORD, the URL, netrc and the keyring (the `keyring` command is not installed)');
  });

  it('treats empty TWINE_* variables as unset', async () => {
    const { value } = inputs({ env: { TWINE_USERNAME: '', TWINE_PASSWORD: '' }, netrcEntry: { login: 'n', password: 'np' } });

    const found = await resolveCredentials(value);

    expect(found.passwordFrom).toBe('netrc');
  });
});
