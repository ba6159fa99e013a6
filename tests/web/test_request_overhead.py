"""What a cached board page costs besides its bytes: no exception raised and caught per header or
query parameter (werkzeug's MultiDict.get, Headers.setdefault and `in` raise one for every
absent key; a list page asked for eleven)."""
import traceback

from werkzeug import exceptions


def test_a_cached_board_page_raises_no_key_errors_inside_werkzeug(demo_app, monkeypatch):
    client = demo_app.test_client()
    assert client.get("/board/governor/").status_code == 200  # rendered and kept
    raised = []
    original = exceptions.BadRequestKeyError.__init__

    def counting(self, *args, **kwargs):
        # Ours only: the frame that asked werkzeug is in the feedserver package.
        asker = next((f for f in reversed(traceback.extract_stack()[:-1]) if "/werkzeug/" not in f.filename), None)
        if asker is not None and "/feedserver/" in asker.filename and "/tests/" not in asker.filename:
            raised.append(f"{asker.filename}:{asker.lineno} {args}")
        original(self, *args, **kwargs)
    monkeypatch.setattr(exceptions.BadRequestKeyError, "__init__", counting)
    for path in ("/board/governor/", "/board/governor/?page=2", "/board/governor/?q=도"):
        assert client.get(path).status_code == 200
    assert raised == []
