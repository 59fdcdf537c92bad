/** One exact pin taken from an input file (or from `--add`). */
export interface InputPin {
  /** As written in the input. */
  name: string;
  /** PEP 503 normalised. */
  key: string;
  /** The pinned version as written. */
  version: string;
  /**
   * sha256 digests the input vouches for (requirements.txt `--hash`, any file of this
   * version), lowercase hex; empty when the input carries none.
   */
  hashes: string[];
  /** The sdist's own sha256, where the input names the file (pylock.toml, uv.lock). */
  sdistSha256?: string;
  /** Extras the input asks for (`requests[socks]==…`), normalised and sorted; absent when none. */
  extras?: string[];
  /** Wheel digests the input records (pylock.toml, uv.lock). */
  wheelSha256s?: string[];
  origin: InputOrigin;
}

export interface InputOrigin {
  file: string;
  /** 1-based; 0 when the input format has no useful line (a flag). */
  line: number;
}

/** An input entry hbuild cannot lock: reported together with every other, nothing is written. */
export interface InputProblem extends InputOrigin {
  /** The entry as written, shortened. */
  text: string;
  reason: string;
}

export interface LockInput {
  pins: InputPin[];
  problems: InputProblem[];
  /** Entries whose environment marker is false for the builder, kept for the report. */
  skipped: Array<InputOrigin & { name: string; marker: string }>;
}

export function shorten(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
