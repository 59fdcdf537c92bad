import { pino } from 'pino';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { DEFAULT_LIMITS, type ContainerSpec, type Engine } from '../../src/engine/index.js';
import { createEnginePool, type PoolMemberConfig } from '../../src/pool/index.js';
import { refusal } from '../helpers/errors.js';

// Pure scheduling logic over fake engines; the real thing is test/integration/pool.test.ts.

const PIN = { image: 'default', rootfs: `sha256:${'1'.repeat(64)}` };
const IMAGE = `sha256:${'2'.repeat(64)}`;
const REPORT = 'net=lo\ncaps=CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000\nnnp=NoNewPrivs:1\nroot=ro\n';

interface Fake {
  /** What the next build does: finish after `ms`, or lose the engine. */
  behave: 'ok' | 'lost';
  api: string;
  probe: string;
  builds: string[];
  running: number;
  maxRunning: number;
}

function fakeEngine(name: string, fake: Fake): Engine {
  const engine: Engine = {
    address: name,
    runtime: 'runc',
    withDefaultRuntime: () => engine,
    saveImage: async () => {
      throw new Error('not used');
    },
    ping: async () => undefined,
    version: async () => {
      if (fake.behave === 'lost') throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `no Docker engine answers at ${name}`);
      return { version: '27.0', apiVersion: fake.api };
    },
    run: async (spec: ContainerSpec, takeOutput) => {
      if (spec.labels?.['org.hbuild.probe'] === '1') {
        const tar = pack();
        tar.entry({ name: 'out/probe' }, fake.probe);
        tar.finalize();
        return { output: await takeOutput(Readable.from(tar)), logDroppedBytes: 0, seconds: 0, engine: name };
      }
      fake.running++;
      fake.maxRunning = Math.max(fake.maxRunning, fake.running);
      try {
        await new Promise((r) => setTimeout(r, 20));
        if (fake.behave === 'lost') throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `lost the Docker engine at ${name} during the build (gone)`);
        fake.builds.push(spec.logPath);
        return { output: await takeOutput(Readable.from([])), logDroppedBytes: 0, seconds: 0, engine: name };
      } finally {
        fake.running--;
      }
    },
    sweepStale: async () => 0,
    removeOwn: async () => 0,
    resolveBuilderImage: async () => ({ imageId: IMAGE, ref: 'hbuild-builder/default:1' }),
    localBuilderPin: async () => PIN,
    hasImage: async () => true,
    loadImage: async () => ({ imageId: IMAGE, ref: 'x' }),
  };
  return engine;
}

function makePool(specs: Array<{ slots: number } & Partial<Fake>>, recheckMs = 60_000) {
  const fakes = specs.map((s): Fake => ({ behave: 'ok', api: '1.43', probe: REPORT, builds: [], running: 0, maxRunning: 0, ...s }));
  const members: PoolMemberConfig[] = specs.map((s, i) => ({ name: `e${i}`, address: { host: `unix:///e${i}.sock` }, slots: s.slots }));
  const warnings: string[] = [];
  const pool = createEnginePool({
    members,
    recheckMs,
    attempts: 3,
    log: pino({ level: 'silent' }),
    warn: (message) => warnings.push(message),
    createEngine: (address = {}) => {
      const at = members.findIndex((m) => m.address.host === address.host);
      return fakeEngine(`e${at}`, fakes[at]!);
    },
  });
  return { pool, fakes, warnings };
}

const spec = (i: number, slots = 1): ContainerSpec => ({ imageId: IMAGE, cmd: ['true'], env: {}, limits: DEFAULT_LIMITS, inputs: [], logPath: `/nonexistent/hbuild-pool-test-${i}.log`, slots });
const signal = new AbortController().signal;
const drain = async (tar: Readable): Promise<string> => {
  for await (const _ of tar) void _;
  return 'wheel';
};

describe('a pool of engines', () => {
  it('offers the sum of its slots, and never runs more builds on an engine than its slots', async () => {
    const { pool, fakes } = makePool([{ slots: 2 }, { slots: 1 }]);
    await pool.resolveBuilderImage(PIN);

    const outcomes = await Promise.all(Array.from({ length: 9 }, (_, i) => pool.run(spec(i), drain, signal)));

    expect(pool.slots).toBe(3);
    expect(fakes[0]!.maxRunning).toBe(2);
    expect(fakes[1]!.maxRunning).toBe(1);
    expect(fakes[0]!.builds.length + fakes[1]!.builds.length).toBe(9);
    expect(new Set(outcomes.map((o) => o.engine))).toEqual(new Set(['e0', 'e1']));
  });

  it('a build of weight 2 takes two slots of one engine', async () => {
    const { pool, fakes } = makePool([{ slots: 2 }, { slots: 2 }]);
    await pool.resolveBuilderImage(PIN);

    await Promise.all(Array.from({ length: 4 }, (_, i) => pool.run(spec(i, 2), drain, signal)));

    expect(fakes[0]!.maxRunning).toBe(1);
    expect(fakes[1]!.maxRunning).toBe(1);
  });

  it('leaves out an engine whose API is too old or whose probe container is not locked down, naming it and why', async () => {
    const { pool, warnings } = makePool([{ slots: 1, api: '1.40' }, { slots: 1, probe: REPORT.replace('net=lo', 'net=eth0 lo') }, { slots: 1 }]);

    await pool.resolveBuilderImage(PIN);

    expect(pool.stats().map((s) => s.health)).toEqual(['down', 'down', 'ok']);
    expect(warnings).toEqual([
      'engine e0 left out of the pool: Engine API 1.40 is older than 1.41',
      'engine e1 left out of the pool: the probe container is not locked down: the container sees network interfaces "eth0 lo", expected only lo',
    ]);
  });

  it('with no usable engine, the builder image cannot be resolved: ERR_DOCKER_UNAVAILABLE naming every engine', async () => {
    const { pool } = makePool([{ slots: 1, api: '1.30' }, { slots: 1, behave: 'lost' }]);

    const err = await refusal(pool.resolveBuilderImage(PIN));

    expect(err.code).toBe('ERR_DOCKER_UNAVAILABLE');
    expect(err.message).toMatch(/^no engine of the pool can build: e0: Engine API 1\.30 is older than 1\.41; e1: no Docker engine answers at e1$/);
  });

  it('a build lost with its engine is built on another; the engine is left out and rejoins when it passes its checks again', async () => {
    const { pool, fakes, warnings } = makePool([{ slots: 1 }, { slots: 1 }], 20);
    await pool.resolveBuilderImage(PIN);
    fakes[0]!.behave = 'lost';

    const told: string[] = [];
    const outcomes = await Promise.all([0, 1, 2].map((i) => pool.run({ ...spec(i), onEngine: (engine) => told.push(engine) }, drain, signal)));

    expect(outcomes.map((o) => o.engine)).toEqual(['e1', 'e1', 'e1']);
    expect(told).toEqual(['e0', 'e1', 'e1', 'e1']);
    expect(pool.stats()[0]).toMatchObject({ health: 'down', lost: 1, failures: 1 });
    expect(warnings[0]).toBe('engine e0 left out of the pool: lost the Docker engine at e0 during the build (gone)');

    fakes[0]!.behave = 'ok';
    await new Promise((r) => setTimeout(r, 200));

    expect(pool.stats()[0]?.health).toBe('ok');
    expect(warnings).toContain('engine e0 rejoined the pool');
    pool.close();
  });

  it('a build lost with every engine fails with ERR_DOCKER_UNAVAILABLE naming them', async () => {
    const { pool, fakes } = makePool([{ slots: 1 }, { slots: 1 }]);
    await pool.resolveBuilderImage(PIN);
    fakes[0]!.behave = 'lost';
    fakes[1]!.behave = 'lost';

    const err = await refusal(pool.run(spec(0), drain, signal));

    expect(err.code).toBe('ERR_DOCKER_UNAVAILABLE');
    expect(err.message).toMatch(/^the build was lost with 2 engines \(e0, e1\) and no other engine could take it/);
    pool.close();
  });
});
