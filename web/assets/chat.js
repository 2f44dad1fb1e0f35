// The web chat's one script: live replies by Server-Sent Events, resumed
// from the last message shown after a drop, and posts without reloading.
// Without it every button is a plain form post and the page still works.
(function () {
  'use strict';
  var log = document.getElementById('log');
  var status = document.getElementById('status');
  if (!log || !window.EventSource || !window.fetch || !window.FormData) return;

  function lastSeq() {
    var all = log.querySelectorAll('[data-seq]');
    return all.length ? all[all.length - 1].getAttribute('data-seq') : log.getAttribute('data-after');
  }

  function show(e) {
    var m = JSON.parse(e.data);
    if (document.getElementById('m' + m.seq)) return; // shown already
    var box = document.createElement('div');
    box.innerHTML = m.html; // rendered and escaped by the server's template
    var el = box.firstElementChild;
    var old = m.replaces && log.querySelector('[data-orig="' + m.replaces + '"]');
    if (old) old.replaceWith(el); else log.appendChild(el);
    reveal(el);
  }

  // reveal scrolls to what the desk said since the resident's last
  // message, from its top, as long as el still fits below it; else to el
  // whole at the bottom of the screen, or from its top when it is taller
  // than the screen. A long message is read from its start.
  function reveal(el) {
    var start = el, prev = el;
    while (!el.classList.contains('resident') && (prev = prev.previousElementSibling)) {
      if (!prev.classList.contains('msg')) continue;
      if (prev.classList.contains('resident')) break;
      start = prev;
    }
    var room = window.innerHeight;
    var box = el.getBoundingClientRect();
    if (box.bottom - start.getBoundingClientRect().top <= room) start.scrollIntoView({ block: 'start' });
    else if (box.height <= room) el.scrollIntoView({ block: 'end' });
    else el.scrollIntoView({ block: 'start' });
  }

  var source = new EventSource('/chat/events?after=' + encodeURIComponent(lastSeq()));
  source.addEventListener('m', show);
  source.onopen = function () { if (status.getAttribute('data-offline')) { status.textContent = ''; status.removeAttribute('data-offline'); } };
  source.onerror = function () { status.textContent = log.getAttribute('data-offline'); status.setAttribute('data-offline', '1'); };

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.hasAttribute('data-js') || form.classList.contains('busy')) return;
    e.preventDefault();
    form.classList.add('busy');
    status.textContent = log.getAttribute('data-sending');
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { 'X-Chat': '1' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.text().then(function (text) {
          status.textContent = r.ok ? '' : text;
          if (r.ok && form.id === 'say') form.reset();
        });
      })
      .catch(function () { status.textContent = log.getAttribute('data-offline'); })
      .then(function () { form.classList.remove('busy'); });
  });
  // A returning resident sees their latest message from its top (a form
  // post's redirect goes there by its #latest); a new one, the greeting.
  var latest = document.getElementById('latest');
  if (latest && !location.hash) latest.scrollIntoView({ block: 'start' });
})();
