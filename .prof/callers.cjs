const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const selfT = new Map(); p.samples.forEach((id, i) => selfT.set(id, (selfT.get(id) || 0) + (p.timeDeltas[i] || 0)));
const target = process.argv[3];
const stacks = new Map();
for (const n of p.nodes) { if (n.callFrame.functionName !== target) continue; let s = []; let id = n.id; for (let d = 0; d < 14 && id; d++) { const m = byId.get(id); s.push(`${m.callFrame.functionName||'(anon)'}@${m.callFrame.url.split('/').slice(-1)}:${m.callFrame.lineNumber}`); id = parent.get(id); }
  const incl = (function f(x){ let t = selfT.get(x.id)||0; for (const c of x.children||[]) t += f(byId.get(c)); return t; })(n);
  stacks.set(s.join(' < '), (stacks.get(s.join(' < '))||0) + incl); }
for (const [s, t] of [...stacks].sort((a,b)=>b[1]-a[1]).slice(0,5)) console.log((t/1000).toFixed(0), 'ms', s, '\n');
