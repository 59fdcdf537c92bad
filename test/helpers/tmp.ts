import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, onTestFinished } from 'vitest';

/** A temporary directory owned by a test hook; its path exists only while tests and hooks run. */
export interface TempDir {
  readonly path: string;
}

function makeTempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `hbuild-${name}-`));
}

function removeDir(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true });
}

/**
 * A fresh `hbuild-NAME-*` directory for each test of the file or describe block this is called
 * in, or with `per: 'suite'` one directory for the whole block. It is removed after every
 * after-hook of the block has run, so those hooks may still use it.
 */
export function useTempDir(name: string, options: { per?: 'test' | 'suite' } = {}): TempDir {
  let current: string | undefined;
  const before = options.per === 'suite' ? beforeAll : beforeEach;
  before(async () => {
    const made = await makeTempDir(name);
    current = made;
    // vitest runs a cleanup returned by a before-hook after the block's after-hooks.
    return async () => {
      current = undefined;
      await removeDir(made);
    };
  });
  return {
    get path(): string {
      if (current === undefined) throw new Error(`useTempDir('${name}') read outside the tests and hooks it serves`);
      return current;
    },
  };
}

/** A fresh `hbuild-NAME-*` directory for the running test, removed when it finishes, passed or failed. */
export async function tempDir(name: string): Promise<string> {
  const path = await makeTempDir(name);
  onTestFinished(() => removeDir(path));
  return path;
}
