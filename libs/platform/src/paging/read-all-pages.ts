import type { Page } from './page.js';

/**
 * A client of a list endpoint: follows `nextCursor` from the first page to the last and returns
 * every page as answered. `maxPages` stops a list that never ends (a bug) with an error, not a hang.
 */
export async function readAllPages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, maxPages = 10_000): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: string | null = null;
  do {
    if (pages.length === maxPages) throw new Error(`the list did not end within ${maxPages} pages`);
    const page: Page<T> = await fetchPage(cursor);
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}
