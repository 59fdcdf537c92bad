import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDockerode } from '../../src/engine/lean-client.js';

const require = createRequire(import.meta.url);
const loaded = (pattern: RegExp): string[] => Object.keys(require.cache).filter((path) => pattern.test(path));

describe('the Docker client hbuild loads', () => {
  it('comes without gRPC, protobuf and ssh2, and an ssh:// engine still gets the real SSH transport when dialled', async () => {
    // This file's process has not loaded dockerode before (each test file runs in a fresh one).
    expect(loaded(/[/\\]dockerode[/\\]lib[/\\]docker\.js$/)).toEqual([]);

    const { default: Docker } = await loadDockerode();

    expect(loaded(/[/\\]dockerode[/\\]lib[/\\]docker\.js$/)).toHaveLength(1);
    expect(loaded(/[/\\]node_modules[/\\](@grpc|protobufjs|ssh2)[/\\]/)).toEqual([]);
    // A closed loopback port: the real transport tries to connect, and says so.
    const docker = new Docker({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody' });
    await expect(docker.ping()).rejects.toThrow(/ECONNREFUSED/);
    expect(loaded(/[/\\]node_modules[/\\]ssh2[/\\]/).length).toBeGreaterThan(0);
  });
});
