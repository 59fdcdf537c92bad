import { isHbuildError, type HbuildError } from '../../src/core/errors.js';

/** The HbuildError a promise rejects with; anything else, a resolution included, fails the test. */
export async function refusal(promise: Promise<unknown>): Promise<HbuildError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHbuildError(err)) throw new Error(`expected an HbuildError, got ${String(err)}`);
  return err;
}
