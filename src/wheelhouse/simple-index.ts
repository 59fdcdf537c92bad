import { normalizeName } from '../core/pep503.js';
import type { PackageRecord } from './package-record.js';

/** A PEP 503 simple index over the wheelhouse: `simple/index.html` and one page per project. */
export function renderSimpleIndex(records: PackageRecord[]): Map<string, string> {
  const byProject = new Map<string, PackageRecord[]>();
  for (const r of records) {
    const key = normalizeName(r.name);
    byProject.set(key, [...(byProject.get(key) ?? []), r]);
  }
  const projects = [...byProject.keys()].sort();
  const pages = new Map<string, string>();
  pages.set('simple/index.html', page('Simple index', projects.map((p) => `<a href="${p}/">${p}</a>`)));
  for (const project of projects) {
    const links = (byProject.get(project) ?? []).map((r) => `<a href="../../${encodeURIComponent(r.wheel.file)}#sha256=${r.wheel.sha256}">${escape(r.wheel.file)}</a>`);
    pages.set(`simple/${project}/index.html`, page(`Links for ${project}`, links));
  }
  return pages;
}

function page(title: string, links: string[]): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${escape(title)}</title></head>\n<body>\n${links.join('<br>\n')}\n</body></html>\n`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
