/** PEP 503 normalised project name: lowercase, each run of `-`, `_`, `.` collapsed to `-`. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
