"""Run nginx with the shipped deploy/nginx.conf, plus a static server for the floor.

The shipped file is a conf.d snippet. It is used verbatim except for three substitutions: the
upstream port (the benchmark's gunicorn), the listen port and the cache path. It is wrapped the way
Debian's /etc/nginx/nginx.conf would include it (sendfile, tcp_nopush, mime types, gzip on), with
access logging off so the benchmark does not write a line per request. A second server serves the
same bytes as a static file with gzip_static, the pre-compressed .gz beside it.

Usage: python bench/nginx.py UPSTREAM_PORT LISTEN_PORT   (prints the rendered configuration)
"""
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, Server, free_port  # noqa: E402

SHIPPED = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(upstream_port, listen_port, cache_dir, static_port=None, static_root=None,
           prefix=None, shipped=None):
    """Return a runnable nginx.conf around the shipped server configuration."""
    text = (shipped or SHIPPED).read_text()
    text, n_upstream = re.subn(r"(?m)^(\s*server\s+)127\.0\.0\.1:\d+;",
                               rf"\g<1>127.0.0.1:{upstream_port};", text, count=1)
    text, n_listen = re.subn(r"(?m)^(\s*listen\s+)80;", rf"\g<1>127.0.0.1:{listen_port};", text)
    text, n_cache = re.subn(r"/var/cache/nginx/feedserver", str(cache_dir), text)
    if not (n_upstream and n_listen and n_cache):
        raise RuntimeError(f"{SHIPPED} changed shape: upstream={n_upstream} listen={n_listen} "
                           f"cache={n_cache}; update bench/nginx.py")
    prefix = Path(prefix or cache_dir.parent)
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    static = ""
    if static_port:
        static = f"""
# The floor: the same bytes as a static file, gzip_static picking the .gz beside it.
server {{
    listen 127.0.0.1:{static_port};
    root {static_root};
    types {{ application/atom+xml atom; }}
    charset utf-8;
    charset_types application/atom+xml;
    gzip_static on;
    gzip_vary on;
}}
"""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""# Rendered by bench/nginx.py from {SHIPPED.relative_to(ROOT)}; do not edit.
{user}worker_processes auto;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    gzip on;
    access_log off;
{temp}

# ---- {SHIPPED.relative_to(ROOT)} ----
{text}
# ---- end of the shipped file ----
{static}}}
"""


class Nginx(Server):
    """nginx in front of `upstream_port`, serving `static_file` (and its .gz) on a second port."""

    def __init__(self, upstream_port, static_file):
        prefix = OUT / "nginx"
        shutil.rmtree(prefix, ignore_errors=True)
        for sub in ("cache", "tmp", "static"):
            (prefix / sub).mkdir(parents=True)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "tmp" / kind).mkdir()
        static_root = prefix / "static"
        name = "feed.atom"
        shutil.copyfile(static_file, static_root / (name + ".gz"))
        import gzip
        (static_root / name).write_bytes(gzip.decompress(Path(static_file).read_bytes()))
        self.port, self.static_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.static_url = f"http://127.0.0.1:{self.static_port}/{name}"
        conf = prefix / "nginx.conf"
        conf.write_text(render(upstream_port, self.port, prefix / "cache", self.static_port,
                               static_root, prefix))
        super().__init__("nginx", [NGINX, "-p", str(prefix), "-c", str(conf), "-e",
                                   str(prefix / "error.log"), "-g", "daemon off;"])


class Sink(Server):
    """nginx answering every request with 204: a WebSub subscriber that costs next to nothing."""

    def __init__(self):
        prefix = OUT / "sink"
        shutil.rmtree(prefix, ignore_errors=True)
        (prefix / "tmp").mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = prefix / "nginx.conf"
        conf.write_text(f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix / 'tmp'};
    server {{
        listen 127.0.0.1:{self.port};
        location / {{ return 204; }}
    }}
}}
""")
        super().__init__("sink", [NGINX, "-p", str(prefix), "-c", str(conf), "-e",
                                  str(prefix / "error.log"), "-g", "daemon off;"])


def main():
    upstream, listen = int(sys.argv[1]), int(sys.argv[2])
    print(render(upstream, listen, OUT / "nginx" / "cache"))


if __name__ == "__main__":
    main()
