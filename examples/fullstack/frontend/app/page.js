// Rendered on every request so API_URL is read at runtime, not at build time.
export const dynamic = 'force-dynamic';

async function loadItems() {
  const apiUrl = process.env.API_URL;
  if (!apiUrl) {
    return { error: 'API_URL is not set' };
  }
  try {
    const res = await fetch(`${apiUrl.replace(/\/+$/, '')}/items`, { cache: 'no-store' });
    if (!res.ok) {
      return { error: `GET /items returned HTTP ${res.status}` };
    }
    return { items: await res.json() };
  } catch (err) {
    return { error: `Could not reach the API: ${err.cause?.message || err.message}` };
  }
}

export default async function Home() {
  const { items, error } = await loadItems();
  return (
    <main>
      <h1>Items</h1>
      {error ? (
        <p id="error">{error}</p>
      ) : (
        <ul id="items">
          {items.map((item) => (
            <li key={item.id}>{item.name}</li>
          ))}
        </ul>
      )}
    </main>
  );
}
