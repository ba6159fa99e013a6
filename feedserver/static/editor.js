/* The release form's rich-text editor: Jodit on top of the plain <textarea name="body">.
 *
 * Without JavaScript the textarea is the editor. With it, Jodit edits the same field and its
 * HTML is written back into the textarea on submit, so the server reads one field either way.
 * Pictures (toolbar button or paste) are uploaded to /admin/.../images with a Korean prompt for
 * their alt text and placed inline; a new release first becomes a draft so they have a home.
 */
(function () {
  'use strict';
  var textarea = document.getElementById('body');
  if (!textarea || !window.Jodit) { return; }
  var form = textarea.form;
  var status = document.getElementById('editor-status');
  var IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
  var ALT_PROMPT = '그림 설명(대체 텍스트)을 적어 주세요.\n화면을 볼 수 없는 분께 이 글이 읽힙니다.';

  function say(message) { if (status) { status.textContent = message; } }

  function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  // Lines of text as paragraphs, escaped (a page without data-editor-html).
  function linesToHtml(text) {
    return text.split(/\r?\n/).filter(function (line) { return line.trim(); })
      .map(function (line) { return '<p>' + escapeHtml(line) + '</p>'; }).join('\n');
  }

  // A draft's files are not public: the editor shows them through the admin.
  function toAdminSrc(html) { return html.replace(/(<img\b[^>]*\ssrc=")\/releases\//g, '$1/admin/releases/'); }
  function toPublicSrc(html) { return html.replace(/(<img\b[^>]*\ssrc=")\/admin\/releases\//g, '$1/releases/'); }

  // The server hands over the body cleaned (data-editor-html): the editor never parses raw
  // input, which may be lines of text that merely look like tags (<svg/onload=...>).
  var initial = textarea.getAttribute('data-editor-html');
  if (initial === null) { initial = linesToHtml(textarea.value); }
  textarea.value = toAdminSrc(initial);

  var picker = document.createElement('input');
  picker.type = 'file';
  picker.accept = IMAGE_TYPES.join(',');
  picker.hidden = true;
  form.appendChild(picker);

  var editor = window.Jodit.make(textarea, {
    language: 'ko',
    height: 'auto',                 // grows with the release; a fixed height spilled over
    minHeight: 320,                 // the next field once the toolbar wrapped on a phone
    allowResizeY: false,
    toolbarAdaptive: false,
    toolbarSticky: false,
    tabIndex: 0,                    // Jodit's default (-1) leaves the editing area and its
    allowTabNavigation: true,       // toolbar out of the Tab order: keyboard users never got in
    showCharsCounter: false,
    showWordsCounter: false,
    showXPathInStatusbar: false,
    sourceEditor: 'area',           // never ace or js-beautify from a CDN: the CSP allows
    beautifyHTML: false,            // only our own scripts
    placeholder: '본문을 쓰거나 한글·워드 문서에서 붙여 넣으세요.',
    askBeforePasteHTML: false,
    askBeforePasteFromWord: false,
    defaultActionOnPaste: 'insert_as_html',
    uploader: { insertImageAsBase64URI: false },
    link: { noFollowCheckbox: false, openInNewTabCheckbox: false },
    disablePlugins: ['about', 'file', 'video', 'media', 'print', 'speech-recognize', 'ai-assistant',
      'powered-by-jodit', 'iframe', 'spellcheck', 'mobile'],
    buttons: [
      'paragraph', 'bold', 'italic', 'underline', 'strikethrough', '|',
      'ul', 'ol', 'outdent', 'indent', '|',
      'table', 'link',
      { name: 'picture', icon: 'image', tooltip: '그림 넣기', exec: function () { picker.click(); } },
      'hr', '|', 'undo', 'redo', 'eraser', 'source', 'fullsize'
    ]
  });
  // The label names the editing area now; the hidden textarea is only the form's field.
  var area = editor.editor;
  var label = document.querySelector('label[for="body"]');
  label.id = label.id || 'body-label';
  label.removeAttribute('for');
  label.addEventListener('click', function () { editor.s.focus(); });
  area.setAttribute('role', 'textbox');  // aria-multiline and Jodit's aria-placeholder need a role
  area.setAttribute('aria-labelledby', label.id);
  area.setAttribute('aria-multiline', 'true');
  if (textarea.getAttribute('aria-describedby')) {
    area.setAttribute('aria-describedby', textarea.getAttribute('aria-describedby'));
  }

  function field(name) { var el = form.elements[name]; return el ? el.value : ''; }

  function post(url, data) {
    data.append('csrf_token', field('csrf_token'));
    return fetch(url, { method: 'POST', body: data, credentials: 'same-origin',
      headers: { 'Accept': 'application/json' } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) { throw new Error(body.error || '올리지 못했습니다(' + response.status + ').'); }
          return body;
        });
      });
  }

  // Pictures belong to a release: a new one is saved as a draft first and the form follows it.
  // One draft however many pictures are on their way at once.
  var drafting = null;
  function release() {
    if (form.dataset.uploadUrl) { return Promise.resolve(form.dataset.uploadUrl); }
    if (drafting) { return drafting; }
    var data = new FormData();
    ['title', 'category', 'author'].forEach(function (name) { data.append(name, field(name)); });
    drafting = post(form.dataset.draftUrl, data).then(function (draft) {
      form.action = draft.edit_url;
      form.dataset.form = draft.public_id;  // autosave now keeps this release's draft, not "new"
      form.dataset.uploadUrl = draft.upload_url;
      setRevision(draft.revision);
      history.replaceState(null, '', draft.edit_url);
      return draft.upload_url;
    }, function (error) { drafting = null; throw error; });
    return drafting;
  }

  // Each stored picture is a new revision of the release; the form saves on top of the newest.
  function setRevision(revision) {
    var input = form.elements.revision;
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'revision';
      form.appendChild(input);
    }
    input.value = String(Math.max(Number(input.value) || 0, revision));
  }

  function insertPicture(file) {
    if (IMAGE_TYPES.indexOf(file.type) < 0) {
      say('PNG, JPEG, GIF, WebP 그림만 본문에 넣을 수 있습니다.');
      return;
    }
    var alt = window.prompt(ALT_PROMPT, '');
    if (alt === null) { say('그림 넣기를 취소했습니다.'); return; }
    var range = editor.s.range;
    say('그림을 올리는 중입니다…');
    release().then(function (url) {
      var data = new FormData();
      data.append('image', file, file.name || 'image.png');
      return post(url, data);
    }).then(function (stored) {
      setRevision(stored.revision);
      var img = editor.createInside.element('img');
      img.setAttribute('src', stored.admin_url);
      img.setAttribute('alt', alt.trim());
      if (range) { editor.s.selectRange(range); }
      editor.s.insertNode(img);
      say('그림을 넣었습니다: ' + stored.filename);
    }).catch(function (error) { say(error.message); });
  }

  picker.addEventListener('change', function () {
    Array.prototype.forEach.call(picker.files, insertPicture);
    picker.value = '';
  });

  // One paragraph pasted into a line joins that line instead of splitting it.
  function inline(html) {
    var match = /^<p>([\s\S]*)<\/p>$/.exec(html);
    return match && match[1].indexOf('<p') < 0 ? match[1] : html;
  }

  // Word and Hangul say lists and emphasis with styles the editor would drop: the server's
  // sanitiser reads them, and the editor then shows exactly what saving will store.
  function pasteCleaned(html, text) {
    var range = editor.s.range;
    var data = new FormData();
    data.append('html', html);
    data.append('text', text);
    say('붙여 넣는 중입니다…');
    post(form.dataset.pasteUrl, data).then(function (cleaned) {
      if (range) { editor.s.selectRange(range); }
      if (cleaned.html) { editor.s.insertHTML(inline(toAdminSrc(cleaned.html))); }
      editor.synchronizeValues();
      say('');
    }).catch(function (error) { say('붙여 넣지 못했습니다: ' + error.message); });
  }

  // Caught on the way down (capture, on the editor's container) so the editor's own paste
  // handling, which drops Word's list styles, never sees what the server will clean.
  editor.container.addEventListener('paste', function (event) {
    var data = event.clipboardData;
    if (!data || !area.contains(event.target)) { return; }
    var html = data.getData('text/html') || '';
    var text = data.getData('text/plain') || '';
    var files = Array.prototype.filter.call(data.files || [], function (f) {
      return IMAGE_TYPES.indexOf(f.type) >= 0;
    });
    if (files.length && !html) {
      files.forEach(insertPicture);
    } else if (html.trim() || /\n/.test(text.trim())) {
      pasteCleaned(html, text);
    } else {
      return;  // a few words of plain text: the editor pastes them in place
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  form.addEventListener('submit', function () {
    textarea.value = toPublicSrc(editor.value);
  });
}());
