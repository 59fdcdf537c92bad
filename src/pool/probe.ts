import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { DEFAULT_LIMITS, type Engine } from '../engine/index.js';

const MiB = 1024 * 1024;
/** The probe's report is a few lines; anything larger is not our probe. */
const MAX_REPORT_BYTES = 4096;

/**
 * What the probe reports from inside its container: the network interfaces it sees, its
 * capability sets, whether it can write the root filesystem, and no_new_privs.
 */
const PROBE_SCRIPT = [
  'net=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" " ")',
  'caps=$(grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status | tr -d "[:blank:]" | tr "\\n" " ")',
  'nnp=$(grep -E "^NoNewPrivs:" /proc/self/status | tr -d "[:blank:]")',
  'root=$(grep -E "^[^ ]+ / " /proc/mounts | tail -n 1 | cut -d" " -f4 | cut -d, -f1)',
  'printf "net=%s\\ncaps=%s\\nnnp=%s\\nroot=%s\\n" "$net" "$caps" "$nnp" "$root" > /build/out/probe',
].join('\n');

/**
 * Run one probe container on `engine` through its normal run path, so under the full
 * hardening every build gets, and check from inside that the engine applied it: no network
 * but loopback, no capabilities in any set, no_new_privs, the root mounted read-only. Returns what is
 * wrong, or undefined when nothing is.
 */
export async function probeEngine(engine: Engine, imageId: string, signal: AbortSignal): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-probe-'));
  try {
    const outcome = await engine.run(
      {
        imageId,
        cmd: ['/bin/sh', '-c', PROBE_SCRIPT],
        env: {},
        limits: { ...DEFAULT_LIMITS, memoryBytes: 128 * MiB, diskBytes: 16 * MiB, tmpfsBytes: 16 * MiB, cpus: 1, timeoutMs: 60_000, logBytes: 64 * 1024, outputBytes: MAX_REPORT_BYTES },
        inputs: [() => outDirTar()],
        logPath: join(dir, 'probe.log'),
        labels: { 'org.hbuild.probe': '1' },
      },
      readReport,
      signal,
    );
    return judgeProbe(outcome.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What is wrong with a probe report, or undefined. */
export function judgeProbe(report: string): string | undefined {
  const fields = new Map<string, string>();
  for (const line of report.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const problems: string[] = [];
  const net = fields.get('net');
  if (net !== 'lo') problems.push(`the container sees network interfaces ${JSON.stringify(net ?? '(none reported)')}, expected only lo`);
  const caps = (fields.get('caps') ?? '').split(' ').filter(Boolean);
  const held = caps.filter((c) => !/^Cap[A-Za-z]+:0+$/.test(c));
  if (caps.length < 4 || held.length > 0) problems.push(`the container holds capabilities (${held.join(' ') || 'none reported'})`);
  // gVisor does not report no_new_privs; where the kernel reports it, it must be set.
  const nnp = fields.get('nnp');
  if (nnp !== 'NoNewPrivs:1' && !(nnp === '' && caps.length === 4)) problems.push('no_new_privs is not set');
  if (fields.get('root') !== 'ro') problems.push(`the root filesystem is mounted ${JSON.stringify(fields.get('root') ?? '?')}, not read-only`);
  return problems.length === 0 ? undefined : `the probe container is not locked down: ${problems.join('; ')}`;
}

function outDirTar(): Readable {
  const archive = pack();
  archive.entry({ name: 'out/', type: 'directory', mode: 0o755, uid: 1000, gid: 1000, mtime: new Date(0) });
  archive.finalize();
  return archive as unknown as Readable;
}

/** The one small file the probe writes, from the output tar. */
async function readReport(tar: Readable): Promise<string> {
  const members = extract();
  tar.pipe(members);
  let report: string | undefined;
  for await (const entry of members) {
    if (entry.header.type === 'file' && entry.header.name === 'out/probe' && report === undefined && (entry.header.size ?? 0) <= MAX_REPORT_BYTES) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      report = Buffer.concat(chunks).toString('utf8');
    } else {
      entry.resume();
    }
  }
  if (report === undefined) throw new Error('the probe container returned no report');
  return report;
}
