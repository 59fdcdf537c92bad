import type Docker from 'dockerode';
import { createRequire, Module } from 'node:module';

const here = createRequire(import.meta.url);

/**
 * Load dockerode without the two parts of it that hbuild does not use at load time:
 * its BuildKit session support (gRPC and protobuf, for `buildImage` with BuildKit; hbuild
 * loads builder images from archives) and docker-modem's SSH transport (ssh2), which is
 * loaded only when an `ssh://` engine is first dialled. Together they were about 15 MiB of
 * every build's peak memory and 60 ms of its start (`bench/log-flood.ts`, `bench/noop.ts`).
 * Both are module-cache entries put in place before dockerode loads; when dockerode's layout
 * is not the one expected, it is loaded whole.
 */
export async function loadDockerode(): Promise<{ default: typeof Docker }> {
  try {
    const main = here.resolve('dockerode');
    const fromDockerode = createRequire(main);
    stub(fromDockerode.resolve('./session.js'), () => () => {
      throw new Error('BuildKit sessions are not available in hbuild');
    });
    const sshPath = createRequire(fromDockerode.resolve('docker-modem')).resolve('./ssh.js');
    let real: ((options: unknown) => unknown) | undefined;
    stub(sshPath, (self) => (options: unknown) => {
      // First ssh:// dial: the real transport is loaded (and replaces this stub in the cache); docker-modem keeps calling this stub, which hands on.
      if (!real) {
        delete here.cache[sshPath];
        real = here(sshPath) as (options: unknown) => unknown;
        self.exports = real;
      }
      return real(options);
    });
  } catch {
    // Another dockerode layout: load it as it is.
  }
  return import('dockerode');
}

function stub(path: string, make: (self: Module) => unknown): void {
  if (here.cache[path]) return;
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = make(module);
  here.cache[path] = module;
}
