/** One thing wrong with an attested wheelhouse, named by the file it was found in. */
export interface AttestProblem {
  /** Path relative to the wheelhouse. */
  file: string;
  message: string;
}

/** Thrown by the parsing helpers for content that fails a check; the verifier turns it into a problem for its file. */
export class DefectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DefectError';
  }
}
