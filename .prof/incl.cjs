const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const selfT = new Map();
p.samples.forEach((id, i) => selfT.set(id, (selfT.get(id) || 0) + (p.timeDeltas[i] || 0)));
const incl = new Map();
function walk(n) { let t = selfT.get(n.id) || 0; for (const c of n.children || []) t += walk(byId.get(c)); incl.set(n.id, t); return t; }
walk(p.nodes[0]);
const agg = new Map();
for (const n of p.nodes) { const cf = n.callFrame; if (!cf.url.includes(process.argv[3] || 'dist/')) continue; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-1)}:${cf.lineNumber}`; agg.set(key, (agg.get(key) || 0) + incl.get(n.id)); }
for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((t / 1000).toFixed(0).padStart(6), 'ms', k);
