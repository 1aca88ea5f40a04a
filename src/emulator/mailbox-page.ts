/**
 * The mailbox page: one self-contained HTML document (inline CSS and vanilla JS, no build step) listing the
 * messages the emulator accepted, Mailpit-style. Every message field is inserted with `textContent` or as an
 * attribute value, never as markup; HTML bodies render in a sandboxed iframe (no scripts, opaque origin).
 *
 * @param nonce - CSP nonce of the inline script.
 */
export function renderMailboxPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mailbox · O365 emulator</title>
<style>
:root {
  --bg: #f4f6f9; --panel: #ffffff; --line: #e3e7ee; --text: #1d2433; --muted: #667085; --accent: #0f6cbd;
  --accent-soft: #e8f1fb; --badge: #eef1f5; --danger: #b42318;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--text); background: var(--bg); display: flex; flex-direction: column; }
header.top { display: flex; align-items: center; gap: 12px; padding: 10px 16px; background: #1b2a41; color: #fff; }
header.top h1 { font-size: 16px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header.top .sub { color: #aab6c8; font-size: 12px; }
header.top .spacer { flex: 1; }
header.top input { width: 260px; padding: 6px 10px; border-radius: 6px; border: 1px solid #38496a; background: #243650; color: #fff; }
header.top input::placeholder { color: #93a3bb; }
header.top button { padding: 6px 12px; border-radius: 6px; border: 1px solid #38496a; background: #243650; color: #fff; cursor: pointer; }
header.top button:hover { background: #2d4263; }
.live { display: inline-flex; align-items: center; gap: 6px; font-size: 12px; color: #aab6c8; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #3ccf7a; box-shadow: 0 0 0 3px rgba(60,207,122,.2); }
.live.off::before { background: #e5534b; box-shadow: 0 0 0 3px rgba(229,83,75,.2); }
main { flex: 1; display: flex; min-height: 0; }
#list { width: 400px; min-width: 280px; border-right: 1px solid var(--line); background: var(--panel); overflow-y: auto; }
#list .item { display: block; width: 100%; text-align: left; border: 0; border-bottom: 1px solid var(--line); background: none; padding: 10px 14px; cursor: pointer; font: inherit; color: inherit; }
#list .item:hover { background: #f7f9fc; }
#list .item.selected { background: var(--accent-soft); box-shadow: inset 3px 0 0 var(--accent); }
.row { display: flex; align-items: baseline; gap: 8px; }
.row .grow { flex: 1; min-width: 0; }
.ellipsis { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.from { font-weight: 600; }
.time { color: var(--muted); font-size: 12px; white-space: nowrap; }
.subject { margin-top: 2px; }
.to, .preview { color: var(--muted); font-size: 12.5px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; background: var(--badge); color: var(--muted); font-size: 11px; line-height: 18px; white-space: nowrap; }
.clip { fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; vertical-align: -2px; }
.badge.high { background: #fdecea; color: var(--danger); }
.empty { padding: 40px 20px; color: var(--muted); text-align: center; }
#view { flex: 1; min-width: 0; display: flex; flex-direction: column; overflow-y: auto; }
#view .placeholder { margin: auto; color: var(--muted); }
.msg-head { background: var(--panel); border-bottom: 1px solid var(--line); padding: 16px 20px; }
.msg-head h2 { margin: 0 0 10px; font-size: 19px; font-weight: 600; word-break: break-word; }
table.meta { border-collapse: collapse; font-size: 13px; }
table.meta th { text-align: right; color: var(--muted); font-weight: 500; padding: 2px 12px 2px 0; vertical-align: top; white-space: nowrap; }
table.meta td { padding: 2px 0; word-break: break-word; }
.attachments { display: flex; flex-wrap: wrap; gap: 8px; padding: 12px 20px; background: var(--panel); border-bottom: 1px solid var(--line); }
.attachments a { display: inline-flex; align-items: center; gap: 8px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; color: var(--text); text-decoration: none; background: #fafbfd; }
.attachments a:hover { border-color: var(--accent); color: var(--accent); }
.attachments .size { color: var(--muted); font-size: 12px; }
.body { flex: 1; display: flex; flex-direction: column; padding: 16px 20px; min-height: 360px; }
.body iframe { flex: 1; width: 100%; min-height: 420px; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
.tabs { display: flex; gap: 4px; padding: 10px 20px 0; background: var(--panel); border-bottom: 1px solid var(--line); overflow-x: auto; }
.tabs button { padding: 7px 14px; border: 1px solid transparent; border-bottom: 0; border-radius: 8px 8px 0 0; background: none; color: var(--muted); font: inherit; cursor: pointer; white-space: nowrap; }
.tabs button[aria-selected="true"] { background: var(--bg); border-color: var(--line); color: var(--text); font-weight: 600; margin-bottom: -1px; }
.tabs button:disabled { opacity: .45; cursor: default; }
.msg-actions { margin-top: 10px; display: flex; gap: 8px; flex-wrap: wrap; }
.msg-actions a { padding: 5px 10px; border: 1px solid var(--line); border-radius: 6px; color: var(--accent); text-decoration: none; font-size: 13px; background: #fafbfd; }
table.headers { border-collapse: collapse; width: 100%; font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
table.headers th { text-align: left; vertical-align: top; padding: 4px 10px; color: var(--muted); font-weight: 500; white-space: nowrap; border-bottom: 1px solid var(--line); }
table.headers td { padding: 4px 10px; word-break: break-all; border-bottom: 1px solid var(--line); }
@media (max-width: 720px) {
  header.top { flex-wrap: wrap; gap: 8px; }
  header.top .sub:first-of-type { display: none; }
  header.top input { order: 10; width: 100%; }
  main { flex-direction: column; }
  #list { flex: none; width: auto; min-width: 0; max-height: 38vh; border-right: 0; border-bottom: 1px solid var(--line); }
  #view { overflow-y: visible; }
  .msg-head, .attachments, .body { padding-left: 12px; padding-right: 12px; }
  .tabs { padding-left: 12px; padding-right: 12px; }
  table.meta th { white-space: normal; }
  table.headers th { white-space: normal; word-break: break-all; }
  .body iframe { min-height: 320px; }
}
.body pre { margin: 0; padding: 14px; white-space: pre-wrap; word-break: break-word; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
</style>
</head>
<body>
<header class="top">
  <h1>Mailbox</h1>
  <span class="sub">o365-oauth-mailer emulator</span>
  <span class="spacer"></span>
  <input id="search" type="search" placeholder="Filter by subject, address or text" aria-label="Filter messages">
  <span id="count" class="sub"></span>
  <span id="live" class="live">live</span>
  <button id="clear" type="button" title="Delete every captured message">Clear</button>
</header>
<main>
  <nav id="list" aria-label="Messages"></nav>
  <section id="view" aria-live="polite"><div class="placeholder">Select a message</div></section>
</main>
<script nonce="${nonce}">
(function () {
  'use strict';
  var listEl = document.getElementById('list');
  var viewEl = document.getElementById('view');
  var countEl = document.getElementById('count');
  var liveEl = document.getElementById('live');
  var searchEl = document.getElementById('search');
  var messages = [];
  var selected = decodeURIComponent((location.hash || '').slice(1)) || null;
  var lastSignature = '';
  var shownId = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clip() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '13');
    svg.setAttribute('height', '13');
    svg.setAttribute('class', 'clip');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48');
    svg.appendChild(path);
    return svg;
  }
  function addr(a) { return a ? (a.name && a.name !== a.address ? a.name + ' <' + a.address + '>' : a.address) : ''; }
  function addrShort(a) { return a ? (a.name || a.address) : ''; }
  function addrs(list) { return (list || []).map(addr).join(', '); }
  function size(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1048576).toFixed(1) + ' MB';
  }
  function when(iso, full) {
    var d = new Date(iso);
    if (full) return d.toLocaleString();
    var now = new Date();
    return d.toDateString() === now.toDateString()
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : d.toLocaleDateString();
  }
  function attachmentUrl(id, index) {
    return '/_emulator/messages/' + encodeURIComponent(id) + '/attachments/' + index;
  }
  function matches(m, q) {
    if (!q) return true;
    var hay = [m.subject, m.preview, addr(m.from), addrs(m.to), addrs(m.cc), addrs(m.bcc), m.mailbox].join(' ').toLowerCase();
    return hay.indexOf(q) >= 0;
  }

  function renderList() {
    var q = searchEl.value.trim().toLowerCase();
    var shown = messages.filter(function (m) { return matches(m, q); });
    countEl.textContent = messages.length === 1 ? '1 message' : messages.length + ' messages';
    listEl.textContent = '';
    if (shown.length === 0) {
      listEl.appendChild(el('div', 'empty', messages.length ? 'No message matches the filter' : 'No messages yet. Send one through the emulator.'));
      return;
    }
    shown.forEach(function (m) {
      var item = el('button', 'item' + (m.id === selected ? ' selected' : ''));
      item.type = 'button';
      item.setAttribute('data-id', m.id);
      var top = el('div', 'row');
      top.appendChild(el('span', 'from grow ellipsis', addrShort(m.from)));
      top.appendChild(el('span', 'time', when(m.receivedAt)));
      item.appendChild(top);
      var mid = el('div', 'row subject');
      mid.appendChild(el('span', 'grow ellipsis', m.subject || '(no subject)'));
      if (m.importance === 'high') mid.appendChild(el('span', 'badge high', 'high'));
      if (m.attachments.length) {
        var badge = el('span', 'badge');
        badge.appendChild(clip());
        badge.appendChild(document.createTextNode(' ' + m.attachments.length));
        mid.appendChild(badge);
      }
      if (m.route === 'draft') mid.appendChild(el('span', 'badge', 'draft'));
      item.appendChild(mid);
      item.appendChild(el('div', 'to ellipsis', 'To: ' + (addrs(m.to) || addrs(m.cc) || addrs(m.bcc))));
      item.appendChild(el('div', 'preview ellipsis', m.preview));
      item.addEventListener('click', function () { select(m.id); });
      listEl.appendChild(item);
    });
  }

  function metaRow(table, label, value) {
    if (!value) return;
    var tr = el('tr');
    tr.appendChild(el('th', null, label));
    tr.appendChild(el('td', null, value));
    table.appendChild(tr);
  }

  function sourceUrl(id, download) {
    return '/_emulator/messages/' + encodeURIComponent(id) + '/raw' + (download ? '?download=1' : '');
  }

  function parseHeaders(source) {
    var end = source.search(/\\r?\\n\\r?\\n/);
    var block = end < 0 ? source : source.slice(0, end);
    return block.replace(/\\r?\\n[ \\t]+/g, ' ').split(/\\r?\\n/).filter(Boolean).map(function (line) {
      var colon = line.indexOf(':');
      return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
  }

  function htmlPane(m) {
    var html = m.html;
    m.attachments.forEach(function (a) {
      if (a.contentId) html = html.split('cid:' + a.contentId).join(location.origin + attachmentUrl(m.id, a.index) + '?inline=1');
    });
    var frame = el('iframe');
    frame.setAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    frame.setAttribute('title', 'Message body');
    frame.srcdoc = '<!doctype html><meta charset="utf-8"><base target="_blank">' +
      '<style>:where(body){font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2433;margin:16px}</style>' + html;
    return frame;
  }

  function withSource(m, build) {
    var box = el('div', 'loading', 'Loading…');
    fetch(sourceUrl(m.id, false), { cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (source) { box.textContent = ''; box.className = ''; box.appendChild(build(source)); })
      .catch(function () { box.textContent = 'The source could not be loaded.'; });
    return box;
  }

  function headersPane(m) {
    return withSource(m, function (source) {
      var table = el('table', 'headers');
      parseHeaders(source).forEach(function (h) {
        var tr = el('tr');
        tr.appendChild(el('th', null, h[0]));
        tr.appendChild(el('td', null, h[1]));
        table.appendChild(tr);
      });
      return table;
    });
  }

  function rawPane(m) {
    return withSource(m, function (source) { return el('pre', 'raw-source', source); });
  }

  function renderMessage(m) {
    viewEl.textContent = '';
    var head = el('div', 'msg-head');
    head.appendChild(el('h2', 'subject-line', m.subject || '(no subject)'));
    var table = el('table', 'meta');
    metaRow(table, 'From', addr(m.from));
    metaRow(table, 'To', addrs(m.to));
    metaRow(table, 'Cc', addrs(m.cc));
    metaRow(table, 'Bcc', addrs(m.bcc));
    metaRow(table, 'Reply-To', addrs(m.replyTo));
    metaRow(table, 'Date', when(m.receivedAt, true));
    metaRow(table, 'Importance', m.importance);
    metaRow(table, 'Mailbox', m.mailbox);
    metaRow(table, 'Message-ID', m.messageId);
    metaRow(table, 'Sent via', (m.route === 'draft' ? 'draft + /send' : 'sendMail' + (m.saveToSentItems ? '' : ' (not saved to Sent Items)')) + (m.format === 'mime' ? ' · MIME' : ' · JSON'));
    metaRow(table, 'request-id', m.requestId);
    if (m.format !== 'mime') (m.headers || []).forEach(function (h) { metaRow(table, h.name, h.value); });
    head.appendChild(table);
    var actions = el('div', 'msg-actions');
    var eml = el('a', 'eml', 'Download .eml');
    eml.href = sourceUrl(m.id, true);
    eml.setAttribute('download', '');
    actions.appendChild(eml);
    head.appendChild(actions);
    viewEl.appendChild(head);

    if (m.attachments.length) {
      var box = el('div', 'attachments');
      m.attachments.forEach(function (a) {
        var link = el('a', 'attachment');
        link.href = attachmentUrl(m.id, a.index);
        link.setAttribute('download', a.name || 'attachment');
        link.appendChild(clip());
        link.appendChild(el('span', 'name', a.name || 'attachment'));
        link.appendChild(el('span', 'size', size(a.size) + (a.isInline ? ' · inline' : '')));
        box.appendChild(link);
      });
      viewEl.appendChild(box);
    }

    var tabs = el('div', 'tabs');
    tabs.setAttribute('role', 'tablist');
    var body = el('div', 'body');
    body.setAttribute('role', 'tabpanel');
    var hasHtml = typeof m.html === 'string';
    var panes = {
      html: function () { return htmlPane(m); },
      text: function () { return el('pre', 'text-body', typeof m.text === 'string' ? m.text : '(This message has no plain-text part.)'); },
      headers: function () { return headersPane(m); },
      raw: function () { return rawPane(m); },
    };
    var buttons = {};
    function show(name) {
      Object.keys(buttons).forEach(function (k) { buttons[k].setAttribute('aria-selected', k === name ? 'true' : 'false'); });
      body.textContent = '';
      body.appendChild(panes[name]());
    }
    [['html', 'HTML'], ['text', 'Text'], ['headers', 'Headers'], ['raw', 'Raw']].forEach(function (t) {
      var b = el('button', 'tab tab-' + t[0], t[1]);
      b.type = 'button';
      b.setAttribute('role', 'tab');
      if (t[0] === 'html' && !hasHtml) b.disabled = true;
      b.addEventListener('click', function () { show(t[0]); });
      buttons[t[0]] = b;
      tabs.appendChild(b);
    });
    viewEl.appendChild(tabs);
    viewEl.appendChild(body);
    show(hasHtml ? 'html' : 'text');
  }

  function select(id) {
    selected = id;
    history.replaceState(null, '', '#' + encodeURIComponent(id));
    renderList();
    fetch('/_emulator/messages/' + encodeURIComponent(id), { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m || selected !== id) return;
        shownId = id;
        renderMessage(m);
      });
  }

  function refresh() {
    fetch('/_emulator/messages', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        liveEl.className = 'live';
        var signature = data.messages.map(function (m) { return m.id; }).join(',');
        if (signature === lastSignature) return;
        lastSignature = signature;
        messages = data.messages;
        renderList();
        var stillThere = messages.some(function (m) { return m.id === selected; });
        if (selected && stillThere && shownId !== selected) select(selected);
        if (selected && !stillThere) {
          selected = null; shownId = null;
          viewEl.textContent = '';
          viewEl.appendChild(el('div', 'placeholder', 'Select a message'));
        }
      })
      .catch(function () { liveEl.className = 'live off'; });
  }

  searchEl.addEventListener('input', renderList);
  document.getElementById('clear').addEventListener('click', function () {
    fetch('/_emulator/messages', { method: 'DELETE' }).then(refresh);
  });
  refresh();
  setInterval(refresh, 2000);
})();
</script>
</body>
</html>
`;
}
