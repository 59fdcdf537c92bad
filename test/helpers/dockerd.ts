import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep, waitFor } from './wait.js';

export interface TestEngineOptions {
  /** Run it in this network namespace (made by `ip netns add`); default: the test's own. */
  netns?: string;
  /** Also listen on TCP with TLS: the address inside the namespace, and the server's ca.pem, server-cert.pem, server-key.pem. */
  tcp?: { address: string; certs: string };
}

/**
 * A Docker engine of the test's own: its own socket, data root, exec root and pidfile, no
 * network of its own (`--bridge none`, no iptables). It runs as pid 1 of a pid namespace
 * of its own (`unshare --pid --kill-child`), so killing the one process the test started
 * ends the engine, its containerd, shims and containers at once, and its mounts go with
 * its mount namespace.
 */
export class TestEngine {
  daemon: ResultPromise | undefined;
  constructor(
    readonly root: string,
    readonly options: TestEngineOptions = {},
  ) {}
  get socket(): string {
    return join(this.root, 'docker.sock');
  }
  get host(): string {
    return `unix://${this.socket}`;
  }
  async start(): Promise<void> {
    await mkdir(join(this.root, 'data'), { recursive: true });
    // As pid 1 of its namespace it wrote "1" there, which is always alive: a restart would refuse to start.
    await rm(join(this.root, 'dockerd.pid'), { force: true });
    const tcp = this.options.tcp;
    const dockerd = [
      'dockerd',
      '--host', this.host,
      ...(tcp ? ['--host', `tcp://${tcp.address}`, '--tlsverify', '--tlscacert', join(tcp.certs, 'ca.pem'), '--tlscert', join(tcp.certs, 'server-cert.pem'), '--tlskey', join(tcp.certs, 'server-key.pem')] : []),
      '--data-root', join(this.root, 'data'),
      '--exec-root', join(this.root, 'exec'),
      '--pidfile', join(this.root, 'dockerd.pid'),
      '--bridge', 'none',
      '--iptables=false',
      '--ip6tables=false',
    ];
    const inPidNamespace = ['unshare', '--pid', '--mount-proc', '--kill-child', ...dockerd];
    // nsenter, not `ip netns exec`: that remounts /sys, and dockerd would find no cgroups.
    const command = this.options.netns ? ['nsenter', `--net=/run/netns/${this.options.netns}`, ...inPidNamespace] : inPidNamespace;
    // A dockerd that exits before it answers (a predecessor's containerd still letting go of the
    // exec root, on a loaded machine) is started again, a few times, within the same deadline.
    const until = Date.now() + 90_000;
    for (let attempt = 1; ; attempt++) {
      let exited = false;
      const daemon = execa(command[0]!, command.slice(1), { reject: false, stdio: ['ignore', 'ignore', 'pipe'] });
      this.daemon = daemon;
      let stderr = '';
      daemon.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      void daemon.then(() => (exited = true));
      await waitFor(async () => exited || (await this.docker(['version'])).exitCode === 0, Math.max(1000, until - Date.now()), 500);
      if (!exited) return;
      if (attempt === 5 || Date.now() > until) throw new Error(`dockerd in ${this.root} exited before answering: ${stderr.slice(-1000)}`);
      await sleep(1000);
    }
  }
  docker(args: string[]) {
    return execa('docker', ['-H', this.host, ...args], { reject: false });
  }
  /** The host pid of the dockerd itself (the child of the unshare the test started). */
  async pid(): Promise<number> {
    const started = this.daemon?.pid;
    if (started === undefined) throw new Error('engine not started');
    const children = (await readFile(`/proc/${started}/task/${started}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected one dockerd under unshare ${started}, found ${children.join(', ') || 'none'}`);
    return Number(children[0]);
  }
  /** Kill the engine and everything in its pid namespace, and wait until it is gone. */
  async kill(): Promise<void> {
    const dockerd = await this.pid().catch(() => undefined);
    const started = this.daemon?.pid;
    if (started !== undefined) {
      try {
        process.kill(started, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.daemon?.catch(() => undefined);
    this.daemon = undefined;
    // The namespace's init goes first; wait for the engine itself too, so a restart finds its roots free.
    if (dockerd !== undefined) await waitFor(async () => gone(dockerd), 30_000, 100);
  }
}

/** The process has exited: no entry in /proc, or only a zombie's. */
async function gone(pid: number): Promise<boolean> {
  if (!existsSync(`/proc/${pid}`)) return true;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || / [ZX] /.test(stat.slice(stat.lastIndexOf(')') + 1, stat.lastIndexOf(')') + 4));
}

/** Lazily unmount whatever is still mounted under `root` (deepest first). */
export async function unmountUnder(root: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '').filter((m) => m === root || m.startsWith(`${root}/`));
  for (const mount of mounts.sort().reverse()) await execa('umount', ['-l', mount], { reject: false });
}
