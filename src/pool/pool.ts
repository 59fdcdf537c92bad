import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { createEngine, DEFAULT_RUNTIME, type BuilderPin, type Engine, type EngineStats, type Runtime } from '../engine/index.js';
import { poolImage, type ArchiveSource, type PoolImage } from './builder-archive.js';
import { apiAtLeast, checkKey, checkMember, createMember, MIN_API_VERSION, reasonOf, type CheckTarget, type Member } from './members.js';
import type { PoolConfig } from './read-config.js';
import { createMemberSlots } from './slots.js';

export interface PoolOptions extends PoolConfig {
  /** Chosen on the command line: beats the lock's runtime, as for one engine. */
  runtime?: Runtime;
  /** Recipes and kept rootfs tars, so an engine without the builder image gets it loaded. */
  archives?: ArchiveSource;
  log: Logger;
  /** Told of every engine left out and every engine that rejoins: the user must see these. */
  warn(message: string, details: Record<string, unknown>): void;
  /** For tests of the pure scheduling logic only. */
  createEngine?: typeof createEngine;
}

/** A pool of engines: an Engine too, with per-engine health and load. */
export interface EnginePool extends Engine {
  stats(): EngineStats[];
  /**
   * Check every engine now, as the first build would, and report each engine's standing.
   * Without a pin, only whether it answers and its API version (the image and probe need a pin).
   */
  check(pin?: BuilderPin): Promise<EngineStats[]>;
  /** Stop the periodic re-check (a daemon's shutdown; a CLI run's timer does not hold the process). */
  close(): void;
}

/**
 * Many engines behind the one Engine port. Each engine is checked before its first build
 * (see `checkMember`) and left out, with a warning, when it fails; a build takes slots on
 * the usable engine with the most free; a build whose engine is lost mid-run is tried
 * again on another (at most `attempts` engines), and the lost engine is re-checked every
 * `recheckMs` until it answers and passes again.
 */
export function createEnginePool(options: PoolOptions): EnginePool {
  if (options.members.length === 0) throw new Error('a pool needs at least one engine');
  const members = options.members.map((config) => createMember(config, options.runtime, options.createEngine));
  const images = new Map<string, Promise<PoolImage>>();
  const targets = new Map<string, CheckTarget>();
  const closing = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const { log } = options;

  const usable = (key: string): Member[] => members.filter((m) => m.health === 'ok' && m.ready.has(key));
  const noEngine = (key: string): HbuildError => {
    const why = members.map((m) => `${m.name}: ${m.health === 'ok' ? 'has not passed the checks for this builder image' : (m.reason ?? 'not checked')}`);
    return new HbuildError('ERR_DOCKER_UNAVAILABLE', `no engine of the pool can build: ${why.join('; ')}`, {
      hint: 'start or repair one of them (`hbuild engines` shows each engine\'s checks); engines that answer again rejoin the pool',
      details: { engines: members.map((m) => ({ engine: m.name, health: m.health, reason: m.reason ?? null })), key },
    });
  };

  const { acquire, pump } = createMemberSlots(usable, noEngine);

  const leaveOut = (member: Member, reason: string, lost: boolean): void => {
    const was = member.health;
    member.health = 'down';
    member.reason = reason;
    member.ready.clear();
    member.checking.clear();
    member.probed.clear();
    if (lost) member.lost++;
    if (was !== 'down' || lost) options.warn(`engine ${member.name} left out of the pool: ${reason}`, { engine: member.name, reason });
    startRecheck();
    pump();
  };

  /** Check `member` for `key`, once; a failure leaves it out. An engine that is left out is the re-check's. */
  const ensureChecked = (member: Member, key: string, target: CheckTarget): Promise<void> => {
    if (member.health === 'down' || member.ready.has(key)) return Promise.resolve();
    const existing = member.checking.get(key);
    if (existing) return existing;
    const check = checkMember(member, target, log, closing.signal).then(
      (imageId) => {
        if (member.health === 'down') return;
        member.ready.set(key, imageId);
        member.health = 'ok';
        pump();
      },
      (err: unknown) => leaveOut(member, reasonOf(err), false),
    );
    member.checking.set(key, check);
    return check.finally(() => {
      if (member.checking.get(key) === check) member.checking.delete(key);
    });
  };

  const rechecking = new Set<Member>();
  /** A left-out engine passes every check the pool has asked for before it builds again. */
  const recheck = async (member: Member): Promise<void> => {
    rechecking.add(member);
    try {
      const ready = new Map<string, string>();
      for (const [key, target] of targets) {
        try {
          ready.set(key, await checkMember(member, target, log, closing.signal));
        } catch (err) {
          member.reason = reasonOf(err);
          return;
        }
      }
      if (targets.size === 0) await member.base.version();
      if (member.health !== 'down') return;
      member.ready = ready;
      member.health = targets.size === 0 ? 'unchecked' : 'ok';
      member.reason = undefined;
      options.warn(`engine ${member.name} rejoined the pool`, { engine: member.name });
      pump();
    } catch (err) {
      member.reason = reasonOf(err);
    } finally {
      rechecking.delete(member);
    }
  };
  const startRecheck = (): void => {
    if (timer !== undefined || closing.signal.aborted) return;
    timer = setInterval(() => {
      const down = members.filter((m) => m.health === 'down');
      if (down.length === 0) {
        clearInterval(timer);
        timer = undefined;
        return;
      }
      for (const member of down) if (!rechecking.has(member)) void recheck(member);
    }, options.recheckMs);
    timer.unref();
  };

  const imageFor = (pin: BuilderPin): Promise<PoolImage> => {
    const known = images.get(pin.rootfs);
    if (known) return known;
    const made = poolImage(pin, options.archives, async () => {
      const failures: string[] = [];
      for (const member of members) {
        try {
          return await member.base.resolveBuilderImage(pin);
        } catch (err) {
          failures.push(`${member.name}: ${reasonOf(err)}`);
        }
      }
      throw new HbuildError('ERR_IMAGE_MISSING', `no engine of the pool holds the builder image ${pin.image} with rootfs ${pin.rootfs}: ${failures.join('; ')}`, {
        hint: `run hbuild image build ${pin.image} and pass --image-archives, so the pool can load it into every engine`,
      });
    });
    images.set(pin.rootfs, made);
    made.catch(() => images.delete(pin.rootfs));
    return made;
  };

  const resolveFor = async (runtime: Runtime, pin: BuilderPin): Promise<{ key: string; image: PoolImage }> => {
    const image = await imageFor(pin);
    const key = checkKey(runtime, image.imageId);
    const target = targets.get(key) ?? { runtime, pin, image };
    targets.set(key, target);
    await Promise.all(members.map((m) => ensureChecked(m, key, target)));
    return { key, image };
  };

  const stats = (): EngineStats[] =>
    members.map((m) => ({
      engine: m.name,
      health: m.health,
      ...(m.reason === undefined ? {} : { reason: m.reason }),
      ...(m.apiVersion === undefined ? {} : { apiVersion: m.apiVersion }),
      slots: m.slots,
      busy: m.busy,
      running: m.running,
      builds: m.builds,
      failures: m.failures,
      lost: m.lost,
    }));

  const first = async <T>(what: string, fn: (engine: Engine) => Promise<T>): Promise<T> => {
    const failures: string[] = [];
    for (const member of members) {
      try {
        return await fn(member.base);
      } catch (err) {
        failures.push(`${member.name}: ${reasonOf(err)}`);
      }
    }
    throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `no engine of the pool could ${what}: ${failures.join('; ')}`);
  };
  const every = async (fn: (engine: Engine) => Promise<number>): Promise<number> => {
    const results = await Promise.allSettled(members.map((m) => fn(m.base)));
    const done = results.filter((r): r is PromiseFulfilledResult<number> => r.status === 'fulfilled');
    if (done.length === 0) throw (results[0] as PromiseRejectedResult).reason;
    return done.reduce((sum, r) => sum + r.value, 0);
  };

  const address = `pool[${members.map((m) => m.name).join(', ')}]`;
  const view = (runtime: Runtime, chosen: boolean): EnginePool => ({
    address,
    runtime,
    slots: members.reduce((sum, m) => sum + m.slots, 0),
    withDefaultRuntime: (fallback) => (chosen ? view(runtime, true) : view(fallback ?? DEFAULT_RUNTIME, false)),
    ping: () => first('answer a ping', (e) => e.ping()),
    saveImage: (imageId) => first('save an image', (e) => e.saveImage(imageId)),
    version: () => first('report its version', (e) => e.version()),
    run: async (spec, takeOutput, signal) => {
      const key = checkKey(runtime, spec.imageId);
      if (!targets.has(key)) {
        throw new HbuildError('ERR_USAGE', `builder image ${spec.imageId} (${runtime}) was not checked on the pool's engines: a pool builds only in the lock's base builder image`, {
          hint: 'build packages whose recipe names debian-packages (a derived builder image) on one engine, without --engine/--engines',
        });
      }
      const weight = Math.max(1, Math.ceil(spec.slots ?? 1));
      const lostOn: string[] = [];
      let lastLoss: HbuildError | undefined;
      for (let attempt = 0; attempt < options.attempts; attempt++) {
        let held: { member: Member; release: () => void };
        try {
          held = await acquire(key, weight, signal);
        } catch (err) {
          if (lastLoss !== undefined && isHbuildError(err, 'ERR_DOCKER_UNAVAILABLE')) throw lostEverywhere(lostOn, lastLoss, err);
          throw err;
        }
        const { member, release } = held;
        member.running++;
        try {
          // A retried build starts from nothing: its log is written again.
          if (attempt > 0) await rm(spec.logPath, { force: true });
          spec.onEngine?.(member.name);
          const engine = member.base.withDefaultRuntime(runtime);
          const outcome = await engine.run({ ...spec, imageId: member.ready.get(key) ?? spec.imageId }, takeOutput, signal);
          member.builds++;
          return { ...outcome, engine: member.name };
        } catch (err) {
          member.builds++;
          if (!isHbuildError(err, 'ERR_CANCELLED')) member.failures++;
          if (!isHbuildError(err, 'ERR_DOCKER_UNAVAILABLE') || signal.aborted) throw err;
          lostOn.push(member.name);
          lastLoss = err;
          leaveOut(member, reasonOf(err), true);
          log.warn({ engine: member.name, attempt: attempt + 1, attempts: options.attempts, err: err.message }, 'build lost with its engine; trying another');
        } finally {
          member.running--;
          release();
        }
      }
      throw lostEverywhere(lostOn, lastLoss!);
    },
    sweepStale: () => every((e) => e.sweepStale()),
    removeOwn: () => every((e) => e.removeOwn()),
    resolveBuilderImage: async (pin) => {
      const { key, image } = await resolveFor(runtime, pin);
      if (usable(key).length === 0) throw noEngine(key);
      return { imageId: image.imageId, ref: image.tag };
    },
    localBuilderPin: (image) => first('name its builder image', (e) => e.localBuilderPin(image)),
    hasImage: (expect) => first('inspect an image', (e) => e.hasImage(expect)),
    loadImage: (archive, expect, opts) => first('load an image', (e) => e.loadImage(archive, expect, opts)),
    stats,
    check: async (pin) => {
      if (pin === undefined) {
        await Promise.all(members.map(async (m) => {
          try {
            m.apiVersion = (await m.base.version()).apiVersion;
            if (!apiAtLeast(m.apiVersion, MIN_API_VERSION)) leaveOut(m, `Engine API ${m.apiVersion} is older than ${MIN_API_VERSION}`, false);
          } catch (err) {
            leaveOut(m, reasonOf(err), false);
          }
        }));
        return stats();
      }
      await resolveFor(runtime, pin).catch((err: unknown) => {
        for (const m of members) if (m.health === 'unchecked') leaveOut(m, reasonOf(err), false);
      });
      return stats();
    },
    close: () => {
      closing.abort();
      clearInterval(timer);
      timer = undefined;
    },
  });
  return view(options.runtime ?? DEFAULT_RUNTIME, options.runtime !== undefined);
}

function lostEverywhere(engines: string[], last: HbuildError, cause?: unknown): HbuildError {
  return new HbuildError('ERR_DOCKER_UNAVAILABLE', `the build was lost with ${engines.length === 1 ? 'its engine' : `${engines.length} engines`} (${engines.join(', ')}) and no other engine could take it: ${last.message}`, {
    hint: 'start or repair the engines; they rejoin the pool when they answer again',
    cause: cause ?? last,
    details: { engines },
  });
}
