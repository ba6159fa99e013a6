"""An XSS corpus in every field of releases never runs in real Chromium: board, release page,
the feeds' browser view (XSL), the widget on a host page, and the admin list and editor."""
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

pytestmark = pytest.mark.browser

CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg/onload=alert(3)>',
    "<svg><script>alert(4)</script></svg>",
    "<a href=\"javascript:alert(5)\">링크</a>",
    "<a href=\"&#x6A;avascript:alert(6)\">인코딩</a>",
    "<a href=\"jav&#x09;ascript:alert(7)\">탭</a>",
    "<iframe src=\"javascript:alert(8)\"></iframe>",
    "<body onload=alert(9)>",
    "<details open ontoggle=alert(10)>",
    "'-alert(11)-'",
    "</title><script>alert(12)</script>",
    "]]><script>alert(13)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(14)>",
    "&lt;script&gt;alert(15)&lt;/script&gt;",
    "<style>@import 'javascript:alert(16)';</style>",
    "<object data=\"data:text/html,<script>alert(17)</script>\"></object>",
    "<input autofocus onfocus=alert(18)>",
]

# Every element in the page, its frames' documents and open shadow roots that carries an event
# handler attribute, a javascript: URL, or a script whose text we injected.
INJECTED = """() => {
  const found = [];
  const walk = (root) => {
    root.querySelectorAll('*').forEach(el => {
      for (const attr of el.attributes) {
        const v = attr.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
        if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
        if (['href', 'src', 'action', 'data', 'formaction'].includes(attr.name)
            && v.startsWith('javascript:')) found.push(el.tagName + ' ' + attr.name + '=' + v);
      }
      if (el.tagName === 'SCRIPT' && /alert\\(/.test(el.textContent)) found.push('script ' + el.textContent);
      // Chromium's own XSLT deprecation banner is the browser's, not the page's
      if (el.shadowRoot && el.tagName !== 'XSLT-WARNING-BANNER') walk(el.shadowRoot);
    });
  };
  walk(document);
  return found;
}"""


class Server:
    """Serve a WSGI app on a free port of 127.0.0.1 in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def host_page(body):
    """Another origin's page that embeds us (WSGI app)."""
    @Request.application
    def app(request):
        if request.path != "/":
            return Response(status=204)
        return Response(f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>기관</title>'
                        f'</head><body>{body}</body></html>', mimetype="text/html")
    return app


@pytest.fixture
def xss_server(staff_app, staff):
    client = staff_app.test_client()
    ids = []
    for n, payload in enumerate(CORPUS):
        response = client.post("/api/v1/releases", headers=staff.bearer(staff_app), json={
            "title": f"{n} {payload}"[:300], "author": payload[:100], "body": payload,
            "summary": payload, "category": "press", "status": "published"})
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(response.get_json()["id"])
    server = Server(staff_app)
    server.ids = ids
    yield server
    server.stop()


def _check(page, label):
    page.wait_for_timeout(300)  # give timers, autofocus and onload a chance to fire
    assert page.dialogs == [], (label, page.dialogs)
    for frame in page.frames:
        try:
            found = frame.evaluate(INJECTED)
        except Exception:  # noqa: BLE001 - a cross-origin or detached frame: nothing to read
            continue
        assert found == [], (label, frame.url, found)


def test_xss_corpus_never_runs_anywhere(xss_server, browser_page, staff):
    page, base = browser_page, xss_server.url
    pages = ["/board/", "/board/press/", "/board/press/?page=2"]
    pages += [f"/releases/{public_id}" for public_id in xss_server.ids]
    pages += ["/feeds/all.rss", "/feeds/all.atom", "/feeds/category/press.rss", "/embed/latest"]
    for path in pages:
        response = page.goto(base + path)
        assert response.status == 200, path
        _check(page, path)
    # the widget as a host site on another origin uses it: a script tag and a Shadow DOM
    host = Server(host_page(f'<h1>기관</h1><script src="{base}/widget.js" data-limit="10" async></script>'))
    try:
        page.goto(host.url + "/")
        page.wait_for_function("() => { const h = document.querySelector('.feedserver-widget');"
                               " return h && h.shadowRoot && !h.shadowRoot.querySelector('[aria-busy]')"
                               " && h.shadowRoot.querySelector('li'); }", timeout=10000)
        _check(page, "widget host page")
    finally:
        host.stop()
    # the admin: log in as the staff admin, then the list and every editor
    page.goto(base + "/admin/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", staff.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    for path in ["/admin/"] + [f"/admin/releases/{public_id}/edit" for public_id in xss_server.ids]:
        response = page.goto(base + path)
        assert response.status == 200, path
        _check(page, path)
