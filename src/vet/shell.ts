/**
 * Shell download commands inside strings and scripts. Matched in bounded,
 * non-overlapping windows that start at each tool name, so hostile input
 * (a megabyte of `curl && curl && …`) costs linear time, never backtracking.
 */
const WINDOW = 1000;
const FETCH_TOOL = /\b(?:curl|wget)\b/g;
const POWERSHELL = /\.Download(?:String|File|Data)\b|\b(?:Invoke-WebRequest|iwr|Invoke-RestMethod|irm)\b/gi;
const URL_START = /(?:https?|ftp):\/\//i;
const PIPE_TO_INTERPRETER = /\|\s*(?:sudo\s+)?(?:(?:ba|z|da|k|c)?sh|python[23]?)\b/;
const AFTER_AND = /\bsh\b|\bbash\b|chmod\s+[+0-7]*x|\.\//;
const PS_EXEC = /\b(?:iex|Invoke-Expression|Start-Process)\b/i;
const WINDOWS_TOOLS = /\bcertutil(?:\.exe)?\s+-urlcache\b|\bbitsadmin(?:\.exe)?\s+\/transfer\b/i;

/** The text after each match of `re`, up to the end of its line and at most WINDOW characters. */
function windows(text: string, re: RegExp, untilNewline: boolean): string[] {
  const found: string[] = [];
  const scan = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let from = 0;
  for (;;) {
    scan.lastIndex = from;
    const m = scan.exec(text);
    if (!m) return found;
    let end = Math.min(text.length, m.index + WINDOW);
    if (untilNewline) {
      const newline = text.indexOf('\n', m.index);
      if (newline !== -1 && newline < end) end = newline;
    }
    found.push(text.slice(m.index, end));
    from = Math.max(end, m.index + m[0].length);
  }
}

/** curl/wget of a URL, PowerShell web requests, certutil/bitsadmin transfers. */
export function hasShellFetch(text: string): boolean {
  if (WINDOWS_TOOLS.test(text)) return true;
  if (windows(text, FETCH_TOOL, true).some((w) => URL_START.test(w))) return true;
  return windows(text, POWERSHELL, false).some((w) => URL_START.test(w) || /^\.Download/i.test(w));
}

/** A download fed to an interpreter: `curl … | sh`, `wget … && chmod +x …`, `iwr … | iex`. */
export function hasShellDownloadExec(text: string): boolean {
  if (/\bcertutil(?:\.exe)?\s+-urlcache\b/i.test(text)) return true;
  for (const w of windows(text, FETCH_TOOL, true)) {
    if (PIPE_TO_INTERPRETER.test(w)) return true;
    const and = w.indexOf('&&');
    if (and !== -1 && AFTER_AND.test(w.slice(and))) return true;
  }
  return windows(text, POWERSHELL, false).some((w) => PS_EXEC.test(w));
}
