/**
 * `GET /`: the received mail, newest first, refreshed every two seconds. Self-contained (no CDN);
 * mail content is put in the page as text only, and HTML bodies go into a sandboxed iframe.
 */
export const mailPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>stockflow mail-sink</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  header { display: flex; gap: 1rem; align-items: baseline; }
  h1 { font-size: 1.25rem; margin: 0; }
  .mode { padding: 0 .4rem; border-radius: 3px; background: #dfd; }
  .mode.reject-temporary, .mode.reject-permanent { background: #fdd; }
  details { border: 1px solid #ccc; border-radius: 4px; margin: .5rem 0; padding: .4rem .6rem; }
  summary { cursor: pointer; }
  .meta { color: #666; font-size: 12px; }
  pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
  iframe { width: 100%; height: 20rem; border: 1px solid #ddd; background: #fff; }
  .empty { color: #888; }
</style>
</head>
<body>
<header>
  <h1>mail-sink</h1>
  <span id="count"></span>
  <span>SMTP mode: <span id="mode" class="mode"></span></span>
  <button id="clear" type="button">Clear</button>
</header>
<p class="meta">Development sink: nothing here was really sent. Refreshes every 2 s.</p>
<main id="list"></main>
<script>
  const list = document.getElementById('list');
  const open = new Set();
  let last = '';
  const el = (tag, text, className) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  };
  function render(messages) {
    document.getElementById('count').textContent = messages.length + ' message' + (messages.length === 1 ? '' : 's');
    list.replaceChildren();
    if (!messages.length) list.append(el('p', 'No mail yet.', 'empty'));
    for (const m of [...messages].reverse()) {
      const d = el('details');
      d.open = open.has(m.id);
      d.addEventListener('toggle', () => (d.open ? open.add(m.id) : open.delete(m.id)));
      const s = el('summary');
      s.append(el('strong', m.subject || '(no subject)'), ' — ', m.to.join(', '), ' ', el('span', m.receivedAt, 'meta'));
      d.append(s, el('div', 'From: ' + m.from, 'meta'));
      for (const [k, v] of Object.entries(m.headers)) d.append(el('div', k + ': ' + v, 'meta'));
      if (m.text !== null) d.append(el('pre', m.text));
      if (m.html !== null) {
        const showHtml = () => {
          if (!d.open || d.querySelector('iframe')) return;
          const frame = el('iframe');
          frame.setAttribute('sandbox', '');
          frame.srcdoc = m.html;
          d.append(frame);
        };
        d.addEventListener('toggle', showHtml);
        showHtml();
      }
      list.append(d);
    }
  }
  async function refresh() {
    try {
      const [messages, control] = await Promise.all([
        fetch('/api/messages').then((r) => r.json()),
        fetch('/api/control').then((r) => r.json()),
      ]);
      const mode = document.getElementById('mode');
      mode.textContent = control.mode;
      mode.className = 'mode ' + control.mode;
      const key = JSON.stringify(messages);
      if (key !== last) {
        last = key;
        render(messages);
      }
    } catch (e) {
      document.getElementById('count').textContent = 'mail-sink not reachable';
    }
  }
  document.getElementById('clear').addEventListener('click', () => fetch('/api/messages', { method: 'DELETE' }).then(refresh));
  refresh();
  setInterval(refresh, 2000);
</script>
</body>
</html>
`;
