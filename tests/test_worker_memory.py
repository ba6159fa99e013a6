"""A web worker carries only what serving pages needs: heavy clients load where they are used."""
import json
import os
import subprocess
import sys

SCRIPT = """
import json, sys
from feedserver import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True})
with app.app_context():
    from feedserver.migrate import migrate
    migrate()
client = app.test_client()
answers = [client.get(path).status_code for path in ("/board/", "/feeds/all.atom", "/widget/latest.json")]
print(json.dumps({"answers": answers, "loaded": sorted(m for m in ("redis", "css_inline") if m in sys.modules)}))
"""


def test_redis_and_the_css_inliner_stay_out_of_a_web_worker(tmp_path):
    """The Redis client (~6 MB) and css_inline (~2 MB) load only with AUDIENCE_REDIS_URL or for mail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSERVER_")}
    out = subprocess.run([sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'w.sqlite3'}"],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(code < 500 for code in result["answers"]), result
    assert result["loaded"] == []
