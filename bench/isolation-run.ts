import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { runInContainer } from '../src/engine/container.js';
import { DEFAULT_LIMITS } from '../src/engine/container-limits.js';
import type { Runtime } from '../src/engine/runtime.js';

/** The directories and the one file a real build's inputs create under /build. */
function scaffold(): Readable {
  const archive = pack();
  for (const name of ['home/', 'out/', 'wheels/', 'src/']) archive.entry({ name, type: 'directory', mode: 0o755, uid: 1000, gid: 1000 });
  archive.entry({ name: 'src/pyproject.toml', mode: 0o644, uid: 1000, gid: 1000 }, '[build-system]\n');
  archive.finalize();
  return archive as unknown as Readable;
}

/**
 * Seconds of one hardened container that runs nothing but a `touch`, with the same inputs
 * copied in and the same output copied out as a real build: create, copy in, start, wait,
 * copy out, remove. What every build pays for its isolation, under `runtime`.
 */
export async function timeIsolationRun(docker: Docker, imageId: string, logPath: string, runtime: Runtime): Promise<number> {
  const started = performance.now();
  await runInContainer(
    docker,
    {
      imageId,
      cmd: ['/bin/sh', '-c', 'umask 022 && touch /build/out/x'],
      env: { PATH: '/usr/bin:/bin' },
      limits: DEFAULT_LIMITS,
      inputs: [scaffold],
      logPath,
      labels: { 'org.hbuild.package': 'bench==0' },
    },
    async (tar) => {
      for await (const chunk of tar) void chunk;
    },
    new AbortController().signal,
    runtime,
  );
  return (performance.now() - started) / 1000;
}
