/** `GET /`: the accepted SMS, newest first, refreshed every two seconds. Self-contained (no CDN). */
export const smsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>stockflow sms-sink</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  header { display: flex; gap: 1rem; align-items: baseline; }
  h1 { font-size: 1.25rem; margin: 0; }
  .mode { padding: 0 .4rem; border-radius: 3px; background: #dfd; }
  .mode.failing { background: #fdd; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  td.body { white-space: pre-wrap; }
  .meta { color: #666; font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>sms-sink</h1>
  <span id="count"></span>
  <span>mode: <span id="mode" class="mode"></span></span>
  <button id="clear" type="button">Clear</button>
</header>
<p class="meta">Development sink speaking Twilio's Messages API: nothing here was really sent. Refreshes every 2 s.</p>
<table>
  <thead><tr><th>Received</th><th>To</th><th>From</th><th>Account</th><th>Body</th></tr></thead>
  <tbody id="list"></tbody>
</table>
<script>
  const list = document.getElementById('list');
  let last = '';
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text === null ? '' : text;
    if (className) td.className = className;
    return td;
  };
  function render(messages) {
    document.getElementById('count').textContent = messages.length + ' message' + (messages.length === 1 ? '' : 's');
    list.replaceChildren();
    for (const m of [...messages].reverse()) {
      const tr = document.createElement('tr');
      tr.title = m.sid;
      tr.append(cell(m.receivedAt, 'meta'), cell(m.to), cell(m.from), cell(m.accountSid, 'meta'), cell(m.body, 'body'));
      list.append(tr);
    }
  }
  async function refresh() {
    try {
      const [messages, control] = await Promise.all([
        fetch('/api/messages').then((r) => r.json()),
        fetch('/api/control').then((r) => r.json()),
      ]);
      const mode = document.getElementById('mode');
      mode.textContent = control.mode + (control.accounts ? ' for ' + control.accounts.join(', ') : '');
      mode.className = 'mode' + (control.mode === 'accept' ? '' : ' failing');
      const key = JSON.stringify(messages);
      if (key !== last) {
        last = key;
        render(messages);
      }
    } catch (e) {
      document.getElementById('count').textContent = 'sms-sink not reachable';
    }
  }
  document.getElementById('clear').addEventListener('click', () => fetch('/api/messages', { method: 'DELETE' }).then(refresh));
  refresh();
  setInterval(refresh, 2000);
</script>
</body>
</html>
`;
