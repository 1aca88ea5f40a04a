/** Graph collections whose next segment is an item's ID, and the fixed words that can follow them instead. */
const COLLECTIONS = new Set(['messages', 'attachments', 'mailfolders', 'childfolders']);
const ACTIONS = new Set(['send', 'createuploadsession', '$value', 'delta', '$count']);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path segment that names something (an ID, a mailbox, a tenant) rather than a fixed part of the API. */
function isIdentifier(segment: string): boolean {
  return GUID.test(segment) || segment.includes('@') || segment.includes('%40') || segment.length > 24 || /^[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*={0,2}$/.test(segment) && segment.length > 12;
}

/**
 * A request path with its identifiers replaced by placeholders, safe as a span name and a metric attribute:
 * `/v1.0/users/ann%40contoso.com/messages/AAMk…/send` → `/v1.0/users/{user}/messages/{id}/send`,
 * `/{tenant}/oauth2/v2.0/token`, and an upload URL's `Users('…')/Messages('…')` → `Users({id})/Messages({id})`.
 * Mailbox names, tenant IDs and message IDs never appear.
 */
export function urlTemplate(path: string): string {
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      if (segment === '') return segment;
      const quoted = segment.replace(/\('[^']*'\)/g, '({id})');
      if (quoted !== segment) return quoted;
      const previous = segments[i - 1]?.toLowerCase();
      if (previous === 'users') return '{user}';
      if (previous !== undefined && COLLECTIONS.has(previous) && !ACTIONS.has(segment.toLowerCase())) return '{id}';
      // The authority's first segment is the tenant: /{tenant}/oauth2/v2.0/token, /{tenant}/v2.0/.well-known/…
      if (i === 1 && (segments[2] === 'oauth2' || segments[2] === 'discovery' || (segments[2] === 'v2.0' && segments[3] === '.well-known'))) return '{tenant}';
      return isIdentifier(segment) ? '{id}' : segment;
    })
    .join('/');
}
