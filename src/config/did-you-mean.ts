/** Edit distance between two strings (insertions, deletions, substitutions), capped for speed on long inputs. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
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
