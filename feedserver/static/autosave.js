/* Autosave for the release editor: every few seconds, while the form changed, its fields go to
   /admin/autosave (JSON, CSRF header). Reads the form's own fields only, so any editor that keeps
   its <textarea name="body"> in sync is saved too; the textarea is polled as well as listened to. */
(function () {
  'use strict';
  var form = document.querySelector('form.editor[data-autosave]');
  if (!form || !window.fetch) { return; }
  var status = form.querySelector('.autosave-status');
  var SKIP = { csrf_token: 1, draft_owner: 1, action: 1, staged: 1, form_token: 1, attachments: 1 };
  var POLL_MS = 4000, QUIET_MS = 1500;
  var lastSent = null, timer = null, sending = false, stopped = false;

  function snapshot() {
    var fields = {}, staged = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'file') { return; }
      if (el.name === 'staged') { staged.push(el.value); return; }
      if (SKIP[el.name] || el.type === 'submit' || el.type === 'button') { return; }
      if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) { return; }
      if (!(el.name in fields)) { fields[el.name] = el.value; }
    });
    return JSON.stringify({
      form: form.dataset.form, fields: fields, staged: staged,
      form_token: (form.elements.form_token || {}).value || ''
    });
  }

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    timer = null;
    if (sending || stopped) { return; }
    var body = snapshot();
    if (body === lastSent) { return; }
    sending = true;
    fetch(form.dataset.autosave, {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': form.elements.csrf_token.value }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        lastSent = body;
        say('자동 저장됨 ' + result.data.saved_at);
      } else {
        say((result.data.error && result.data.error.message) || '자동 저장하지 못했습니다.');
      }
    }).catch(function () {
      say('자동 저장하지 못했습니다. 연결을 확인해 주세요.');
    }).then(function () { sending = false; });
  }

  function soon() {
    if (!timer && !stopped) { timer = window.setTimeout(save, QUIET_MS); }
  }

  // A freshly opened form is what the server has; a form sent back (preview, an error) is not yet.
  lastSent = 'posted' in form.dataset ? null : snapshot();
  if (lastSent === null) { soon(); }
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);
  form.addEventListener('submit', function () { stopped = true; });
  window.setInterval(function () { if (snapshot() !== lastSent) { soon(); } }, POLL_MS);
})();
