/*! feedserver latest-releases widget. No dependencies.
 * <script src="https://HOST/widget.js" data-category="press" data-limit="5" async></script>
 * Options: data-category (board slug, empty: all), data-limit (1..20, clamped),
 * data-theme (auto|light|dark), data-show-date (true), data-show-summary (false),
 * data-new-tab (false). Theme with --fs-widget-fg, -bg, -accent, -muted, -border,
 * -font, -font-size, -radius on the .feedserver-widget element.
 * Dates: "방금 전", "N분 전", "N시간 전" within 24 hours, then 2024.09.26 (KST). */
(function () {
  "use strict";
  var DEFAULT_LIMIT = 5, MAX_LIMIT = 20, TIMEOUT_MS = 10000, DAY = 86400;
  var THEMES = ["auto", "light", "dark"], MARK = "data-feedserver-widget";
  var BOARD_LINK = "보도자료 게시판에서 보기";
  var LIGHT = "--_fg:var(--fs-widget-fg,#1d1d1f);--_bg:var(--fs-widget-bg,#fff);" +
    "--_accent:var(--fs-widget-accent,#0b57d0);--_muted:var(--fs-widget-muted,#5f6368);" +
    "--_line:var(--fs-widget-border,#d9dce1);color-scheme:light;";
  var DARK = "--_fg:var(--fs-widget-fg,#e8eaed);--_bg:var(--fs-widget-bg,#202124);" +
    "--_accent:var(--fs-widget-accent,#8ab4f8);--_muted:var(--fs-widget-muted,#bdc1c6);" +
    "--_line:var(--fs-widget-border,#5f6368);color-scheme:dark;";
  // The wrapper resets everything the host could make us inherit (all:initial),
  // and px sizes keep the host's root font size out.
  var CSS = ":host{display:block}" +
    ".fs{all:initial;display:block;box-sizing:border-box;" + LIGHT +
    "font-family:var(--fs-widget-font,'Noto Sans KR','Malgun Gothic','Apple SD Gothic Neo',system-ui,sans-serif);" +
    "font-size:var(--fs-widget-font-size,15px);line-height:1.6;color:var(--_fg);background:var(--_bg);" +
    "border:1px solid var(--_line);border-radius:var(--fs-widget-radius,8px);padding:12px 16px;" +
    "word-break:keep-all;overflow-wrap:anywhere;text-align:left}" +
    ".dark{" + DARK + "}@media (prefers-color-scheme:dark){.auto{" + DARK + "}}" +
    "*{box-sizing:border-box}" +
    "h2{margin:0 0 8px;font-size:1.05em;font-weight:700;line-height:1.4;color:var(--_fg)}" +
    "h2 a{color:var(--_fg)}" +
    "ul{list-style:none;margin:0;padding:0}" +
    "li{margin:0;padding:8px 0;border-top:1px solid var(--_line)}li:first-child{border-top:0}" +
    "a{color:var(--_accent);text-decoration:none;font-weight:600}a:hover{text-decoration:underline}" +
    "a:focus-visible{outline:3px solid var(--_accent);outline-offset:2px;border-radius:2px}" +
    "time{display:block;color:var(--_muted);font-size:.85em}" +
    "p{margin:0}.summary{margin-top:4px;font-size:.9em}.msg{color:var(--_muted)}" +
    ".more{margin-top:8px;font-size:.9em}";
  var sheet = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = String(text);
    return node;
  }

  function flag(script, name, fallback) {
    var value = script.getAttribute("data-" + name);
    if (value === null) return fallback;
    return !/^\s*(false|0|no|off)\s*$/i.test(value);
  }

  function options(script) {
    var limit = parseInt(script.getAttribute("data-limit"), 10);
    var theme = (script.getAttribute("data-theme") || "").trim().toLowerCase();
    return {
      category: (script.getAttribute("data-category") || "").trim(),
      limit: isNaN(limit) ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.max(1, limit)),
      theme: THEMES.indexOf(theme) < 0 ? "auto" : theme,
      showDate: flag(script, "show-date", true),
      showSummary: flag(script, "show-summary", false),
      newTab: flag(script, "new-tab", false)
    };
  }

  function when(iso, now) {
    var seconds = (now - Date.parse(iso)) / 1000;
    if (!(seconds >= 60)) return "방금 전";
    if (seconds < 3600) return Math.floor(seconds / 60) + "분 전";
    if (seconds < DAY) return Math.floor(seconds / 3600) + "시간 전";
    // The server writes KST (+09:00), so the date part is already the Korean date.
    return String(iso).slice(0, 10).replace(/-/g, ".");
  }

  function safeUrl(url, fallback) {
    try {
      var parsed = new URL(url);
      return /^https?:$/.test(parsed.protocol) ? parsed.href : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function link(href, text, opts, cls) {
    var a = el("a", cls ? { href: href, "class": cls } : { href: href }, text);
    if (opts.newTab) {
      a.target = "_blank";
      a.rel = "noopener";
    }
    return a;
  }

  function style(shadow) {
    if (shadow.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      // Constructed sheets are not subject to the host page's CSP style-src.
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.appendChild(el("style", {}, CSS));
    }
  }

  function renderItem(item, opts, now, boardUrl) {
    var li = el("li");
    li.appendChild(link(safeUrl(item.url, boardUrl), item.title, opts));
    if (opts.showDate && item.date_published) {
      li.appendChild(el("time", { datetime: item.date_published }, when(item.date_published, now)));
    }
    if (opts.showSummary && item.summary) li.appendChild(el("p", { "class": "summary" }, item.summary));
    return li;
  }

  function renderFeed(view, feed, opts) {
    var boardUrl = safeUrl(feed.home_page_url, view.boardUrl);
    var items = (feed.items || []).slice(0, opts.limit), now = Date.now();
    view.title.textContent = "";
    view.title.appendChild(link(boardUrl, feed.title || "최신 보도자료", opts));
    if (!items.length) return view.body.appendChild(el("p", { "class": "msg" }, "게시된 보도자료가 없습니다."));
    var list = el("ul");
    for (var i = 0; i < items.length; i++) list.appendChild(renderItem(items[i], opts, now, boardUrl));
    view.body.appendChild(list);
    view.body.appendChild(el("p", { "class": "more" })).appendChild(link(boardUrl, "보도자료 더 보기", opts));
  }

  function renderFallback(view, message, href, opts) {
    if (message) view.body.appendChild(el("p", { "class": "msg" }, message));
    view.body.appendChild(el("p", { "class": "more" })).appendChild(link(href, BOARD_LINK, opts));
  }

  function load(view, opts) {
    var url = new URL("widget/latest.json", view.base);
    if (opts.category) url.searchParams.set("category", opts.category);
    url.searchParams.set("limit", String(opts.limit));
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, TIMEOUT_MS);
    fetch(url.href, { credentials: "omit", signal: abort ? abort.signal : undefined })
      .then(function (response) {
        if (response.status === 404) return { missing: true };
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (feed) {
        view.body.textContent = "";
        if (feed.missing) {
          renderFallback(view, "\u201c" + opts.category + "\u201d 게시판을 찾을 수 없습니다.",
                         new URL("board/", view.base).href, opts);
        } else {
          renderFeed(view, feed, opts);
        }
      })
      .catch(function () {
        view.body.textContent = "";
        renderFallback(view, "", view.boardUrl, opts);
      })
      .then(function () {
        clearTimeout(timer);
        view.root.removeAttribute("aria-busy");
      });
  }

  function mount(script) {
    script.setAttribute(MARK, "");
    var opts = options(script), base = new URL(".", script.src).href;
    var host = el("div", { "class": "feedserver-widget" });
    var parent = script.parentNode;
    if (parent && parent !== document.head) parent.insertBefore(host, script.nextSibling);
    else document.body.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    style(shadow);
    var root = el("section", { "class": "fs " + opts.theme, "aria-labelledby": "fs-title", "aria-busy": "true" });
    var view = {
      root: root, base: base, title: el("h2", { id: "fs-title" }, "최신 보도자료"), body: el("div"),
      boardUrl: new URL(opts.category ? "board/" + encodeURIComponent(opts.category) + "/" : "board/", base).href
    };
    view.body.appendChild(el("p", { "class": "msg" }, "불러오는 중…"));
    root.appendChild(view.title);
    root.appendChild(view.body);
    shadow.appendChild(root);
    load(view, opts);
  }

  function start(current) {
    // Every copy of this script mounts the tags not yet mounted, so async order,
    // repeated loads and tags without currentScript all end with one widget per tag.
    var own = current && current.src.split(/[?#]/)[0];
    var scripts = document.querySelectorAll("script[src]");
    for (var i = 0; i < scripts.length; i++) {
      var script = scripts[i], src = script.src.split(/[?#]/)[0];
      if (script.hasAttribute(MARK)) continue;
      if (own ? src === own : /\/widget\.js$/.test(src)) mount(script);
    }
  }

  var current = document.currentScript;
  if (document.body) start(current);
  else document.addEventListener("DOMContentLoaded", function () { start(current); });
})();
