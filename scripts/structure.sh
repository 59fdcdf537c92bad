#!/bin/bash
# Structure figures of a checkout (default: this one): folders, import cycles between files and
# between folders, files importing dockerode, largest files. Usage: bash scripts/structure.sh [DIR]
set -euo pipefail
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
DC="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/depcruise"
cd "${1:-.}"
cat > "$TMP/dc.cjs" <<'C'
module.exports = { forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } }],
  options: { doNotFollow: { path: 'node_modules' }, tsPreCompilationDeps: true, tsConfig: { fileName: 'tsconfig.json' }, enhancedResolveOptions: { extensions: ['.ts', '.js'] } } };
C
echo "folders under src/: $(find src -mindepth 1 -type d | wc -l) ($(find src -mindepth 1 -maxdepth 1 -type d | wc -l) top-level)"
echo "files: $(find src -name '*.ts' | wc -l), lines: $(cat $(find src -name '*.ts') | wc -l)"
echo "file-level cycles (depcruise no-circular violations): $($DC src --config "$TMP/dc.cjs" --output-type err 2>&1 | grep -c 'no-circular')"
$DC src --config "$TMP/dc.cjs" --output-type json 2>/dev/null > $TMP/dc.json
node -e '
const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
const f=p=>{const m=/^src\/([^/]+)\//.exec(p);return m?m[1]:null};
const g=new Map();
for(const m of r.modules){const a=f(m.source);if(!a)continue;if(!g.has(a))g.set(a,new Set());for(const d of m.dependencies){const b=f(d.resolved);if(b&&b!==a)g.get(a).add(b);}}
// strongly connected components (Tarjan) of the folder graph
let i=0;const idx=new Map(),low=new Map(),st=[],on=new Set(),sccs=[];
const sc=v=>{idx.set(v,i);low.set(v,i);i++;st.push(v);on.add(v);for(const w of g.get(v)||[]){if(!idx.has(w)){sc(w);low.set(v,Math.min(low.get(v),low.get(w)))}else if(on.has(w))low.set(v,Math.min(low.get(v),idx.get(w)))}if(low.get(v)===idx.get(v)){const c=[];let w;do{w=st.pop();on.delete(w);c.push(w)}while(w!==v);if(c.length>1)sccs.push(c.sort())}};
for(const v of g.keys())if(!idx.has(v))sc(v);
console.log("folder-level cycles (strongly connected folder groups):",sccs.length,sccs.map(c=>"{"+c.join(", ")+"}").join(" "));
' "$TMP/dc.json"
echo "files importing dockerode: $(grep -rlE "from 'dockerode'|import\('dockerode'\)" src | wc -l), in folders: $(grep -rlE "from 'dockerode'|import\('dockerode'\)" src | xargs -n1 dirname | sort -u | tr '\n' ' ')"
echo "largest files:"; find src -name '*.ts' | xargs wc -l | sort -rn | sed -n 2,6p
