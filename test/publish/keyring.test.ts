import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyringCommand } from '../../src/publish/keyring.js';
import { tempDir } from '../helpers/tmp.js';

/** A stand-in `keyring` that logs its arguments and answers like the real CLI does. */
async function stubKeyring(script: string): Promise<{ command: string; log: string }> {
  const dir = await tempDir('keyring');
  const command = join(dir, 'keyring');
  const log = join(dir, 'args');
  await writeFile(command, `#!/bin/sh\necho "$@" >> ${log}\n${script}\n`);
  await chmod(command, 0o755);
  return { command, log };
}

describe('the keyring command', () => {
  it('asks `get SERVICE USER` and takes stdout, one final newline removed, as the password', async () => {
    const stub = await stubKeyring('printf "p w\\n"');

    const answer = await keyringCommand(stub.command, { PATH: '/usr/bin:/bin' })('https://i.test/', 'me');

    expect(answer).toEqual({ found: true, password: 'p w' });
  });

  it('asks --mode creds --output json without a user name, and takes both halves', async () => {
    const stub = await stubKeyring(`echo '{"username": "ring", "password": "pw"}'`);

    const answer = await keyringCommand(stub.command, { PATH: '/usr/bin:/bin' })('https://i.test/', undefined);

    expect(answer).toEqual({ found: true, username: 'ring', password: 'pw' });
  });

  it('reads exit 1 as no entry, unreadable output as none, and a missing command as not installed', async () => {
    const none = await stubKeyring('exit 1');
    const junk = await stubKeyring('echo not-json');

    const missing = await keyringCommand('/nonexistent/keyring')('s', 'u');
    const noEntry = await keyringCommand(none.command, { PATH: '/usr/bin:/bin' })('s', 'u');
    const unreadable = await keyringCommand(junk.command, { PATH: '/usr/bin:/bin' })('s', undefined);

    expect(missing).toEqual({ found: false, installed: false });
    expect(noEntry).toEqual({ found: false, installed: true });
    expect(unreadable).toEqual({ found: false, installed: true });
  });
});
