/** The product page a notification links to: `LINK_BASE_URL/<sku>`. */
export function productLink(baseUrl: string, sku: string): string {
  return `${baseUrl.replace(/\/$/, '')}/${encodeURIComponent(sku)}`;
}
