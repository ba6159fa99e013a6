/* Size feedserver iframes to their content. Loaded inside /embed/latest it reports the
   height; loaded on the host page it applies it, clamped to 120..2000 px. No dependencies. */
(function () {
  "use strict";
  var TYPE = "feedserver:embed-height", MIN = 120, MAX = 2000;

  function report() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    window.parent.postMessage({ type: TYPE, height: height }, "*");
  }

  function listen(origin) {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.origin !== origin || !data || data.type !== TYPE) return;
      var height = Math.min(MAX, Math.max(MIN, Math.ceil(Number(data.height) || 0)));
      var frames = document.getElementsByTagName("iframe");
      for (var i = 0; i < frames.length; i++) {
        if (frames[i].contentWindow === event.source) frames[i].style.height = height + "px";
      }
    });
  }

  if (document.documentElement.hasAttribute("data-feedserver-embed")) {
    if (window.parent === window) return;
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
    else window.addEventListener("load", report);
  } else if (!window.feedserverEmbedResize && document.currentScript) {
    window.feedserverEmbedResize = true;
    listen(new URL(document.currentScript.src).origin);
  }
})();
