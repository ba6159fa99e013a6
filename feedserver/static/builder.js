/* The widget builder (/widget): live preview and one-click copy. No inline script (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("widget-builder");
  if (!form) return;
  var FLAGS = { show_date: true, show_summary: false, new_tab: false };
  var urls = { script: form.dataset.scriptUrl, embed: form.dataset.embedUrl, resize: form.dataset.resizeUrl };
  var titles = JSON.parse(form.dataset.titles);
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&#34;", "'": "&#39;" };

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  function checked(name) {
    return form.querySelector("input[type=checkbox][name=" + name + "]").checked;
  }

  function settings() {
    var limit = parseInt(form.elements.limit.value, 10);
    var s = { category: form.elements.category.value, theme: form.elements.theme.value,
              limit: isNaN(limit) ? 5 : Math.min(20, Math.max(1, limit)) };
    for (var name in FLAGS) s[name] = checked(name);
    return s;
  }

  // The same attributes, order and escaping as widget.script_snippet on the server.
  function scriptAttrs(s) {
    var attrs = [["src", urls.script]];
    if (s.category) attrs.push(["data-category", s.category]);
    attrs.push(["data-limit", String(s.limit)]);
    if (s.theme !== "auto") attrs.push(["data-theme", s.theme]);
    for (var name in FLAGS) {
      if (s[name] !== FLAGS[name]) attrs.push(["data-" + name.replace("_", "-"), String(s[name])]);
    }
    return attrs;
  }

  function embedUrl(s) {
    var query = new URLSearchParams();
    if (s.category) query.set("category", s.category);
    query.set("limit", String(s.limit));
    if (s.theme !== "auto") query.set("theme", s.theme);
    for (var name in FLAGS) if (s[name] !== FLAGS[name]) query.set(name, s[name] ? "1" : "0");
    return urls.embed + "?" + query.toString();
  }

  function snippets(s) {
    var script = "<script " + scriptAttrs(s).map(function (a) {
      return a[0] + "=\"" + escape(a[1]) + "\" ";
    }).join("") + "async></" + "script>";
    var iframe = "<iframe src=\"" + escape(embedUrl(s)) + "\" title=\"" + escape(titles[s.category] || "") +
      " 최신 보도자료\" width=\"100%\" height=\"360\" frameborder=\"0\" loading=\"lazy\" class=\"feedserver-embed\"></iframe>\n" +
      "<script src=\"" + escape(urls.resize) + "\" async></" + "script>";
    return { script: script, iframe: iframe };
  }

  function preview(s) {
    var box = document.getElementById("script-preview");
    var script = document.createElement("script");
    scriptAttrs(s).forEach(function (a) { script.setAttribute(a[0], a[1]); });
    script.async = true;
    box.textContent = "";
    box.appendChild(script);
    var frame = document.getElementById("iframe-preview");
    if (frame.src !== embedUrl(s)) frame.src = embedUrl(s);
  }

  function update() {
    var s = settings(), code = snippets(s);
    document.getElementById("script-code").value = code.script;
    document.getElementById("iframe-code").value = code.iframe;
    document.getElementById("copy-status").textContent = "";
    preview(s);
    history.replaceState(null, "", "?" + new URLSearchParams(new FormData(form)).toString());
  }

  function copy(button) {
    var area = document.getElementById(button.getAttribute("data-target"));
    var status = document.getElementById("copy-status");
    function fallback() {
      area.focus();
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      status.textContent = ok ? "코드를 복사했습니다." : "코드를 선택했습니다. Ctrl+C(⌘+C)로 복사하세요.";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(function () {
        status.textContent = "코드를 복사했습니다.";
      }, fallback);
    } else {
      fallback();
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  document.querySelectorAll("button.copy-snippet").forEach(function (button) {
    button.addEventListener("click", function () { copy(button); });
  });
})();
