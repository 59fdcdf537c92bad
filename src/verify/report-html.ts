import type { ContentDetail, WheelDiff } from './diff-types.js';
import { esc, fileLink, STYLE } from './html.js';
import { percent } from './summary.js';
import type { BuildOutcome, PackageVerification, VerifyResult } from './types.js';
import { CULPRIT_HINT, VARIATION_SUMMARY } from './variations.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'";

/**
 * The report a person reads in a browser: one self-contained page, no script,
 * a Content-Security-Policy that allows none, and every string from the lock,
 * the build or the wheels escaped (they are hostile input).
 */
export function renderHtml(result: VerifyResult): string {
  const s = result.summary;
  const count = (label: string, n: number, cls: string): string => `<tr class="${cls}"><th>${label}</th><td>${n}</td><td>${percent(n, s.total)}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>hbuild verify: ${esc(result.outcome)}</title><style>${STYLE}</style></head>
<body>
<h1>Reproducibility of <code>${esc(result.lock.path)}</code></h1>
<p id="outcome" data-outcome="${esc(result.outcome)}">Outcome: <strong>${esc(result.outcome)}</strong> · started ${esc(result.startedAt)} · ${esc(result.seconds)} s ·
builder ${esc(result.builder.image)} <span class="hash">${esc(result.builder.rootfs)}</span> · lock sha256 <span class="hash">${esc(result.lock.sha256)}</span></p>
<table id="summary"><thead><tr><th>Packages</th><th>Count</th><th>Share</th></tr></thead><tbody>
${count('identical', s.identical, 'identical')}${count('differed', s.differed, 'differed')}${count('failed', s.failed, 'failed')}${count('inconclusive', s.inconclusive, 'inconclusive')}
</tbody></table>
<p>Of those that differed, ${s.notReproducible} are not reproducible and ${s.pinMismatch} reproduce only themselves, not the pin.</p>
<h2>Variations</h2>
<table id="variations"><thead><tr><th>Variation</th><th>Standard → varied</th></tr></thead><tbody>
${result.variations.map((v) => `<tr><td><code>${esc(v)}</code></td><td>${esc(VARIATION_SUMMARY[v])}</td></tr>`).join('\n')}
</tbody></table>
<h2>Packages</h2>
<table id="packages"><thead><tr><th>Package</th><th>Version</th><th>Status</th><th>Pin</th><th>Culprit</th><th>History</th></tr></thead><tbody>
${result.packages.map(packageRow).join('\n')}
</tbody></table>
${result.packages.filter((p) => p.status !== 'identical').map(packageSection).join('\n')}
</body></html>
`;
}

function packageRow(p: PackageVerification): string {
  const name = p.status === 'identical' ? esc(p.name) : `<a href="#pkg-${esc(p.key)}">${esc(p.name)}</a>`;
  const culprit = p.nondeterministic ? 'not deterministic' : p.culprits.join(', ');
  return `<tr class="${esc(p.status)}" data-package="${esc(p.name)}" data-status="${esc(p.status)}"><td>${name}</td><td>${esc(p.version)}</td><td>${esc(p.status)}</td><td>${esc(p.pin)}</td><td>${esc(culprit)}</td><td>${esc(p.history?.message ?? '')}</td></tr>`;
}

function packageSection(p: PackageVerification): string {
  return `<section id="pkg-${esc(p.key)}" class="package">
<h2>${esc(p.name)} ${esc(p.version)}${p.target ? ` [${esc(p.target)}]` : ''}: ${esc(p.status)}</h2>
<p>${esc(p.reason)}</p>
${p.culprits.length > 0 ? `<ul class="culprits">${p.culprits.map((c) => `<li><code>${esc(c)}</code>: ${esc(CULPRIT_HINT[c])}</li>`).join('')}</ul>` : ''}
${p.history ? `<p>History: ${esc(p.history.message)}</p>` : ''}
<p>sdist <code>${esc(p.sdist.file)}</code> <span class="hash">${esc(p.sdist.sha256)}</span>${p.pinned ? ` · pinned wheel <code>${esc(p.pinned.file)}</code> <span class="hash">${esc(p.pinned.sha256)}</span>` : ''}</p>
${p.builds.length > 0 ? buildsTable(p.builds) : ''}
${p.leaks.length > 0 ? `<h3>Leaked sentinels</h3><ul class="leaks">${p.leaks.map((l) => `<li>${esc(l.kind)} <code>${esc(l.value)}</code> in ${esc(l.where)} of <code>${esc(l.entry)}</code></li>`).join('')}</ul>` : ''}
${p.diff ? diffSection('Standard build against the build under variations', p.diff) : ''}
${p.pinDiff ? diffSection('Pinned wheel against the standard build', p.pinDiff) : ''}
</section>`;
}

function buildsTable(builds: BuildOutcome[]): string {
  const row = (b: BuildOutcome): string => {
    const result = b.wheel
      ? `<code>${esc(b.wheel.file)}</code><br><span class="hash">${esc(b.wheel.sha256)}</span>`
      : `failed: ${esc(b.error?.message ?? '')}${b.error?.logTail ? `<pre>${esc(b.error.logTail)}</pre>` : ''}`;
    const differs = b.differs ? `${esc(b.differs.classification)}: ${b.differs.files.map((f) => `<code>${esc(f)}</code>`).join(', ') || esc(b.differs.kinds.join(', '))}` : '';
    const kept = [fileLink(b.kept?.wheel, 'wheel'), fileLink(b.kept?.log, 'log')].filter(Boolean).join(' · ');
    return `<tr data-build="${esc(b.label)}"><td>${esc(b.label)}</td><td>${esc(b.variations.join(', ') || 'none')}</td><td>${result}</td><td>${differs}</td><td>${esc(b.seconds)} s</td><td>${kept}</td></tr>`;
  };
  return `<h3>Builds</h3><table class="builds"><thead><tr><th>Build</th><th>Variations</th><th>Result</th><th>Differs from standard</th><th>Time</th><th>Kept</th></tr></thead><tbody>${builds.map(row).join('')}</tbody></table>`;
}

function diffSection(title: string, diff: WheelDiff): string {
  const rows = diff.differences
    .map((d) => `<tr data-entry="${esc(d.entry)}" data-kind="${esc(d.kind)}"><td><code>${esc(d.entry)}</code></td><td>${esc(d.kind)}</td><td>${esc(d.class)}</td><td><code>${esc(d.left ?? '')}</code></td><td><code>${esc(d.right ?? '')}</code></td></tr>`)
    .join('');
  return `<h3>${esc(title)}: ${esc(diff.classification)}</h3>
<p>${esc(diff.left.label)} <code>${esc(diff.left.file)}</code> <span class="hash">${esc(diff.left.sha256)}</span> → ${esc(diff.right.label)} <code>${esc(diff.right.file)}</code> <span class="hash">${esc(diff.right.sha256)}</span></p>
<p>Files that differ: ${diff.differingFiles.map((f) => `<code class="differing-file">${esc(f)}</code>`).join(', ') || 'none (archive metadata only)'}${diff.truncated ? ' (list truncated)' : ''}</p>
<details${diff.differences.length <= 30 ? ' open' : ''}><summary>${diff.differences.length} differences: ${esc(countKinds(diff))}</summary>
<table class="differences"><thead><tr><th>Entry</th><th>What</th><th>Class</th><th>${esc(diff.left.label)}</th><th>${esc(diff.right.label)}</th></tr></thead><tbody>${rows}</tbody></table></details>
${diff.entryOrder ? `<details><summary>Entry order</summary><pre>${esc(diff.entryOrder.left.join('\n'))}</pre><pre>${esc(diff.entryOrder.right.join('\n'))}</pre></details>` : ''}
${diff.details.map(detailBlock).join('\n')}`;
}

function detailBlock(d: ContentDetail): string {
  const head = `<h4><code>${esc(d.entry)}</code> (${esc(d.type)}${d.derived ? ', follows from the other differences' : ''})</h4>`;
  const note = d.note ? `<p class="note">${esc(d.note)}</p>` : '';
  if (!d.textDiff) return `${head}${note}`;
  const line = (l: string): string => {
    const cls = l.startsWith('@@') ? 'hunk' : l.startsWith('-') ? 'del' : l.startsWith('+') ? 'add' : l.startsWith('…') ? 'meta' : '';
    return cls ? `<span class="${cls}">${esc(l)}</span>` : esc(l);
  };
  return `${head}${note}<pre class="diff">${d.textDiff.map(line).join('\n')}</pre>`;
}

function countKinds(diff: WheelDiff): string {
  const kinds = new Map<string, number>();
  for (const d of diff.differences) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  return [...kinds].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}
