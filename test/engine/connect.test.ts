import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineOptions, sshFingerprint } from '../../src/engine/connect.js';
import { tempDir } from '../helpers/tmp.js';

describe('reaching an engine over SSH', () => {
  it('fingerprints a host key exactly as ssh-keygen -l does', async () => {
    const dir = await tempDir('ssh-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
    const blob = Buffer.from((await readFile(join(dir, 'host.pub'), 'utf8')).split(' ')[1]!, 'base64');

    const printed = (await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host.pub')])).stdout.split(' ')[1];

    expect(sshFingerprint(blob)).toBe(printed);
  });

  it('accepts only the pinned host key', () => {
    const key = Buffer.from('a host key');
    const options = engineOptions({ host: 'ssh://builder@10.0.0.3', hostKey: sshFingerprint(key) }, {}) as { sshOptions: { hostVerifier: (k: Buffer) => boolean } };

    expect(options.sshOptions.hostVerifier(key)).toBe(true);
    expect(options.sshOptions.hostVerifier(Buffer.from('another key'))).toBe(false);
  });
});
