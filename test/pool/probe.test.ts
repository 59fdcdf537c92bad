import { describe, expect, it } from 'vitest';
import { judgeProbe } from '../../src/pool/probe.js';

const ZERO = '0000000000000000';
const caps = (bnd = ZERO, amb: string | null = ZERO) =>
  `CapInh:${ZERO} CapPrm:${ZERO} CapEff:${ZERO} CapBnd:${bnd}${amb === null ? '' : ` CapAmb:${amb}`}`;
const report = (fields: { net?: string; caps?: string; nnp?: string; root?: string } = {}) =>
  `net=${fields.net ?? 'lo'}\ncaps=${fields.caps ?? caps()}\nnnp=${fields.nnp ?? 'NoNewPrivs:1'}\nroot=${fields.root ?? 'ro'}\n`;

describe('the probe container', () => {
  it('passes a locked-down container, under runc and under gVisor (which reports neither CapAmb nor no_new_privs)', () => {
    expect(judgeProbe(report())).toBeUndefined();
    expect(judgeProbe(report({ caps: caps(ZERO, null), nnp: '' }))).toBeUndefined();
  });

  it('names every hardening the engine did not apply', () => {
    expect(judgeProbe(report({ net: 'eth0 lo' }))).toBe('the probe container is not locked down: the container sees network interfaces "eth0 lo", expected only lo');
    expect(judgeProbe(report({ caps: caps('00000000a80425fb') }))).toMatch(/holds capabilities \(CapBnd:00000000a80425fb\)/);
    expect(judgeProbe(report({ nnp: 'NoNewPrivs:0' }))).toMatch(/no_new_privs is not set/);
    expect(judgeProbe(report({ root: 'rw' }))).toMatch(/the root filesystem is mounted "rw", not read-only/);
  });

  it('refuses a report that says nothing', () => {
    expect(judgeProbe('')).toMatch(/network interfaces "\(none reported\)".*holds capabilities \(none reported\).*no_new_privs is not set.*not read-only/);
  });
});
