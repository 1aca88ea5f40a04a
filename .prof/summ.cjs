const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
const counts = new Map();
p.samples.forEach((id, i) => { counts.set(id, (counts.get(id) || 0) + (dt[i] || 0)); total += dt[i] || 0; });
const agg = new Map();
for (const [id, t] of counts) { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; agg.set(key, (agg.get(key) || 0) + t); }
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 45);
console.log('total ms', total / 1000);
for (const [k, t] of top) console.log((t / total * 100).toFixed(1).padStart(5), k);
// inclusive by url of our dist
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
