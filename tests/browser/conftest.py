"""Browser fixtures: a host site on another origin with a strict CSP, and CSP watching.

Chromium itself (`browser`, `browser_page`) and `live_server` come from tests/conftest.py.
"""
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from feedserver.admin.accounts import create_user

HOST_CSP = ("default-src 'self'; script-src 'self' {our}; connect-src {our}; frame-src {our}")

# Records every CSP violation in every frame, before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile);
});
"""

# The host page's own JSON tier: a host-origin script that reads our JSON with fetch.
HOST_JS = """
(function () {
  var script = document.currentScript, box = document.getElementById(script.dataset.target);
  fetch(script.dataset.src).then(function (r) { return r.json(); }).then(function (feed) {
    var list = document.createElement('ul');
    feed.items.forEach(function (item) {
      var li = document.createElement('li'), a = document.createElement('a');
      var time = document.createElement('time');
      a.href = item.url; a.textContent = item.title;
      time.dateTime = item.date_published; time.textContent = item.date_published.slice(0, 10);
      li.appendChild(a); li.appendChild(time); list.appendChild(li);
    });
    box.appendChild(list);
    box.setAttribute('data-loaded', '');
  });
})();
"""

AGGRESSIVE_CSS = "* { color: red !important; font-size: 40px }"


class HostSite:
    """Another origin (another port of 127.0.0.1) serving host pages under a strict CSP."""

    def __init__(self, our_origin):
        self.our = our_origin
        self.pages = {"/host.js": ("text/javascript", HOST_JS),
                      "/aggressive.css": ("text/css", AGGRESSIVE_CSS)}
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path, body, sheets=()):
        """Serve an HTML page with `body` and host stylesheets; return its URL."""
        links = "".join(f'<link rel="stylesheet" href="{sheet}">' for sheet in sheets)
        html = (f'<!doctype html><html lang="ko"><head><meta charset="utf-8">'
                f'<title>기관 누리집</title>{links}</head><body>{body}</body></html>')
        self.pages[path] = ("text/html", html)
        return self.url + path

    def add_css(self, path, css):
        self.pages[path] = ("text/css", css)

    @Request.application
    def _app(self, request):
        if request.path not in self.pages:
            return Response(status=204)  # favicon and the like: quietly nothing
        mimetype, body = self.pages[request.path]
        return Response(body, mimetype=mimetype, headers={
            "Content-Security-Policy": HOST_CSP.format(our=self.our)})

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_site(live_server):
    """A host site on another origin that embeds the live demo board's widget."""
    site = HostSite(live_server.url)
    yield site
    site.stop()


def watch_csp(page):
    """Record CSP violations in every frame; page.csp_violations() returns them."""
    page.add_init_script(WATCH_CSP)

    def violations():
        return [v for frame in page.frames
                for v in frame.evaluate("window.__cspViolations || []")]
    page.csp_violations = violations
    return page


@pytest.fixture
def watch():
    """watch(page): make a page record CSP violations in every frame (page.csp_violations())."""
    return watch_csp


# Each picture's natural width once it has loaded or failed (0): read at once, a picture the
# browser is still fetching reads 0 on a busy machine.
LOADED_WIDTHS = ("all => Promise.all(all.map(img => img.complete ? img.naturalWidth : new Promise("
                 "done => { img.onload = img.onerror = () => done(img.naturalWidth); })))")


@pytest.fixture
def loaded_widths():
    """loaded_widths(locator): the natural width of each matched picture once it has loaded (0: failed)."""
    return lambda locator: locator.evaluate_all(LOADED_WIDTHS)


@pytest.fixture
def watched_page(browser_page):
    """browser_page that also records CSP violations in every frame."""
    return watch_csp(browser_page)


@pytest.fixture
def admin_site(demo_app, live_server, staff):
    """The live demo board with an admin "press-office" (password staff.PASSWORD); its URL."""
    demo_app.config["PASSWORD_HASH_METHOD"] = staff.FAST_HASH
    with demo_app.app_context():
        create_user("press-office", staff.PASSWORD, "admin")
    return live_server.url
