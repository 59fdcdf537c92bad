import Docker from 'dockerode';
import { execa } from 'execa';
import { resolve } from 'node:path';

export const BIN = resolve('bin/hbuild.js');

export async function defaultRootfs(docker: Docker): Promise<{ rootfs: string; imageId: string }> {
  const [first] = await docker.listImages({ filters: { label: ['org.hbuild.image=default'] } });
  if (!first) throw new Error('no default builder image: run `bash scripts/setup.sh` first');
  const info = await docker.getImage(first.Id).inspect();
  return { rootfs: info.RootFS.Layers?.[0] ?? '', imageId: first.Id };
}

/** Wall-clock seconds of a whole `hbuild` process. */
export async function timeHbuild(args: string[]): Promise<{ seconds: number; exitCode: number; stderr: string }> {
  const started = performance.now();
  const run = await execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
  return { seconds: (performance.now() - started) / 1000, exitCode: run.exitCode ?? -1, stderr: run.stderr };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function row(label: string, value: string, target: string, met: boolean): string {
  return `| ${label} | ${value} | ${target} | ${met ? 'met' : 'NOT met'} |`;
}
