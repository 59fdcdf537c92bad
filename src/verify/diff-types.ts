/** What differs about one wheel entry (or the archive as a whole, entry `(archive)`). */
export type DifferenceKind =
  | 'file-name'
  | 'only-left'
  | 'only-right'
  | 'order'
  | 'layout'
  | 'timestamp'
  | 'mode'
  | 'attributes'
  | 'made-by'
  | 'zip-flags'
  | 'compression'
  | 'compressed-size'
  | 'extra-fields'
  | 'comment'
  | 'size'
  | 'content';

/** archive-metadata: the zip says something different about the same bytes; content: the bytes (or the set of files) differ. */
export type DifferenceClass = 'archive-metadata' | 'content';

export interface EntryDifference {
  entry: string;
  kind: DifferenceKind;
  class: DifferenceClass;
  left?: string;
  right?: string;
}

/** A closer look at one entry whose content differs. */
export interface ContentDetail {
  entry: string;
  type: 'text' | 'pyc' | 'shared-object' | 'binary' | 'too-large';
  /** Unified diff lines (text only), left → right. */
  textDiff?: string[];
  note?: string;
  /** RECORD whose changed rows are exactly the other files that differ: a consequence, not a cause. */
  derived?: boolean;
}

export interface WheelSide {
  label: string;
  file: string;
  sha256: string;
}

export interface WheelDiff {
  left: WheelSide;
  right: WheelSide;
  classification: 'identical' | 'archive-metadata-only' | 'content';
  differences: EntryDifference[];
  /** Entries whose content differs or that only one side has, without a merely derived RECORD. */
  differingFiles: string[];
  details: ContentDetail[];
  /** Both entry lists, when their order differs (capped). */
  entryOrder?: { left: string[]; right: string[] };
  /** Some differences or details were left out to keep the report bounded. */
  truncated: boolean;
}
