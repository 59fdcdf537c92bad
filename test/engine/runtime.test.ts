import { describe, expect, it } from 'vitest';
import { createOptions } from '../../src/engine/container.js';
import { DEFAULT_LIMITS } from '../../src/engine/container-limits.js';
import { createEngine } from '../../src/engine/index.js';
import { hasRuntime, isUnknownRuntimeError, registeredRuntimes, runtimeUnavailable } from '../../src/engine/runtime.js';

const SPEC = { imageId: 'sha256:x', cmd: ['true'], env: {}, limits: DEFAULT_LIMITS, inputs: [], logPath: '/dev/null' };

describe('the runtime of build containers', () => {
  it('is named in every create request, runc included, next to the hardening', () => {
    const runc = createOptions(SPEC, 'runc').HostConfig;
    const runsc = createOptions(SPEC, 'runsc').HostConfig;

    expect(runc).toMatchObject({ Runtime: 'runc', NetworkMode: 'none', CapDrop: ['ALL'], ReadonlyRootfs: true });
    expect(runsc).toMatchObject({ Runtime: 'runsc', NetworkMode: 'none', CapDrop: ['ALL'], ReadonlyRootfs: true });
  });

  it('comes from the command line before the lock, and from the lock before the default', () => {
    const chosen = createEngine({ host: 'unix:///nonexistent.sock' }, { runtime: 'runc' });
    const unchosen = createEngine({ host: 'unix:///nonexistent.sock' });

    expect(chosen.withDefaultRuntime('runsc').runtime).toBe('runc');
    expect(unchosen.withDefaultRuntime('runsc').runtime).toBe('runsc');
    expect(unchosen.withDefaultRuntime(undefined).runtime).toBe('runc');
    expect(unchosen.withDefaultRuntime('runsc').withDefaultRuntime(undefined).runtime).toBe('runc');
    expect(unchosen.runtime).toBe('runc');
  });
});

describe('the runtime check', () => {
  it('reads the registered runtimes from docker info', async () => {
    const listed = await registeredRuntimes({ info: async () => ({ Runtimes: { runc: { path: 'runc' }, runsc: { path: '/usr/bin/runsc' } } }) });
    const unlisted = await registeredRuntimes({ info: async () => ({}) });

    expect([...(listed ?? [])].sort()).toEqual(['runc', 'runsc']);
    expect(unlisted).toBeUndefined();
  });

  it('trusts an engine that lists no runtimes with runc only', () => {
    expect(hasRuntime(new Set(['runc', 'io.containerd.runc.v2']), 'runc')).toBe(true);
    expect(hasRuntime(new Set(['runc', 'io.containerd.runc.v2']), 'runsc')).toBe(false);
    expect(hasRuntime(undefined, 'runc')).toBe(true);
    expect(hasRuntime(undefined, 'runsc')).toBe(false);
  });

  it('names the runtime, the engine, what it has and how to register runsc', () => {
    const err = runtimeUnavailable('runsc', 'unix:///var/run/docker.sock', new Set(['runc', 'io.containerd.runc.v2']));

    expect(err.code).toBe('ERR_DOCKER_UNAVAILABLE');
    expect(err.message).toBe("the Docker engine at unix:///var/run/docker.sock has no runtime 'runsc' (it has io.containerd.runc.v2, runc)");
    expect(err.hint).toContain('apt-get install runsc');
    expect(err.hint).toContain('"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}}');
    expect(err.hint).toContain('kill -HUP');
  });

  it("recognises the engine's refusal of an unknown runtime, old and new wording, and nothing else", () => {
    const refusal = (message: string, statusCode = 400): Error => Object.assign(new Error(message), { statusCode });

    expect(isUnknownRuntimeError(refusal('(HTTP code 400) unexpected - Unknown runtime specified runsc'))).toBe(true);
    expect(isUnknownRuntimeError(refusal('unknown or invalid runtime name: runsc'))).toBe(true);
    expect(isUnknownRuntimeError(refusal('No such image: sha256:x', 404))).toBe(false);
    expect(isUnknownRuntimeError(refusal('Unknown runtime specified runsc', 500))).toBe(false);
  });
});
