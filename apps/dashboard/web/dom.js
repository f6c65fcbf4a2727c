// Small DOM helpers: every value reaches the page as text, never as markup.

/** An element with text content and attributes. */
export function el(tag, text = '', attributes = {}) {
  const node = document.createElement(tag);
  if (text !== '') node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** A table row of cells: each cell a string, or `[text, className]`. */
export function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const [text, className] = Array.isArray(cell) ? cell : [cell, ''];
    const td = el('td', text);
    if (className) td.className = className;
    tr.append(td);
  }
  return tr;
}

/** How long ago an ISO time was, briefly: `12 s`, `5 min`, `3 h`, `2 d`. */
export function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** Every JSON answer of the dashboard's API, or null when it failed. */
export async function getJson(path) {
  try {
    const response = await fetch(path);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}
