/**
 * The one formatter of values quoted in messages (prop errors and gate findings): strings and
 * data as JSON, a construct by its path, on one line and at most `max` characters.
 */
export function showValue(value: unknown, max = 120): string {
  let s: string;
  if (value === undefined) s = 'undefined';
  else if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') s = String(value);
  else if (isConstruct(value)) s = `construct ${value.node.path || '(root)'}`;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value); // circular
    }
  }
  s = s.replace(/[\r\n]+/g, ' ');
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function isConstruct(value: unknown): value is { node: { path: string } } {
  const node = (value as { node?: { path?: unknown } } | null)?.node;
  return typeof value === 'object' && value !== null && typeof node === 'object' && node !== null && typeof node.path === 'string';
}
