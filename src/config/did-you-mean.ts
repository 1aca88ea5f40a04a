/** Edit distance between two strings (insertions, deletions, substitutions, swaps of neighbours); gives up past 3. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const up = rows[i - 1] as number[];
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

const normal = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The candidate a mistyped word most likely meant, or undefined when none is close: the same word in another case
 * or spelling (`tenantID` → `tenantId`, `client_secret` → `clientSecret`), else a word it begins or ends
 * (`timeout` → `timeoutMs`), else the nearest by edit distance, allowing one edit per four characters (at least
 * one, at most three).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = normal(word);
  if (w === '') return undefined;
  const same = candidates.find((c) => normal(c) === w);
  if (same !== undefined) return same;
  if (w.length >= 4) {
    const prefix = candidates.find((c) => normal(c).startsWith(w) || w.startsWith(normal(c)));
    if (prefix !== undefined) return prefix;
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(w.length / 4)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(w, normal(candidate));
    if (d <= allowed && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
