import { vi } from 'vitest';

/** What the code under test wrote to process.stdout and process.stderr. */
export interface CapturedOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** Forget what was captured so far. */
  clear(): void;
  /** Put the real streams back; `vi.restoreAllMocks()` does it too. */
  restore(): void;
}

/** Capture process.stdout and process.stderr, for commands run in-process, instead of printing them. */
export function captureOutput(): CapturedOutput {
  let stdout = '';
  let stderr = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)),
  ];
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    clear() {
      stdout = '';
      stderr = '';
    },
    restore() {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
