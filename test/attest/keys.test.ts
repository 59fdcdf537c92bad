import { generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSigningKeyPath, keyIdOf, loadSigningKey, parsePublicKey } from '../../src/attest/keys.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-keys');

describe('signing keys', () => {
  it('creates the default key on first use, owner-only, with its public half beside it', async () => {
    const env = { XDG_CONFIG_HOME: join(tmp.path, 'config') };

    const first = await loadSigningKey({ env });
    const second = await loadSigningKey({ env });

    expect(first.path).toBe(join(tmp.path, 'config/hbuild/signing-key.pem'));
    expect(defaultSigningKeyPath(env)).toBe(first.path);
    expect(first.generated).toBe(true);
    expect(second.generated).toBe(false);
    expect(second.keyid).toBe(first.keyid);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(tmp.path, 'config/hbuild/signing-key.pub.pem'), 'utf8')).toBe(first.publicPem);
    expect(first.keyid).toBe(keyIdOf(first.publicKey));
  });

  it('reads a PKCS#8 ed25519 key from a file', async () => {
    const path = join(tmp.path, 'key.pem');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const key = await loadSigningKey({ keyPath: path });

    expect(key.keyid).toBe(keyIdOf(publicKey));
    expect(key.generated).toBe(false);
  });

  it('never creates a key at an explicit path that does not exist', async () => {
    const path = join(tmp.path, 'typo.pem');

    const err = await refusal(loadSigningKey({ keyPath: path }));

    expect(err.code).toBe('ERR_SIGNING_KEY');
    expect(err.message).toBe(`signing key ${path} does not exist`);
    await expect(stat(path)).rejects.toThrow();
  });

  it('refuses a key others can read, a key of another type and an encrypted key', async () => {
    const open = join(tmp.path, 'open.pem');
    await writeFile(open, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await chmod(open, 0o644);
    const rsa = join(tmp.path, 'rsa.pem');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const encrypted = join(tmp.path, 'enc.pem');
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
    await writeFile(encrypted, pem, { mode: 0o600 });

    const errors = await Promise.all([open, rsa, encrypted].map((keyPath) => refusal(loadSigningKey({ keyPath }))));

    expect(errors.map((e) => e.code)).toEqual(['ERR_SIGNING_KEY', 'ERR_SIGNING_KEY', 'ERR_SIGNING_KEY']);
    expect(errors[0]?.message).toContain('is accessible to group or others (mode 0644)');
    expect(errors[1]?.message).toContain('is a rsa key; hbuild signs with ed25519');
    expect(errors[2]?.message).toContain('is not an unencrypted PKCS#8 PEM private key');
  });

  it('parses public keys strictly', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

    expect(parsePublicKey(pem).keyid).toBe(keyIdOf(publicKey));
    expect(() => parsePublicKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow('is not a single PEM "PUBLIC KEY" block');
    expect(() => parsePublicKey(`${pem}${pem}`)).toThrow('is not a single PEM "PUBLIC KEY" block');
    expect(() => parsePublicKey(rsa)).toThrow('is a rsa key, not ed25519');
    expect(() => parsePublicKey(pem.replace('MCow', 'MCox'))).toThrow('is not a public key');
  });
});
