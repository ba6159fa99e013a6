"""The floor: a bare Flask route returning fixed feed bytes from memory (same headers' size)."""
import os

from flask import Flask, Response

app = Flask(__name__)
with open(os.environ["BENCH_BODY"], "rb") as fh:
    BODY = fh.read()
CONTENT_TYPE = os.environ.get("BENCH_CONTENT_TYPE", "application/atom+xml; charset=utf-8")
GZIPPED = os.environ.get("BENCH_GZIP") == "1"


@app.get("/feed")
def feed():
    response = Response(BODY, content_type=CONTENT_TYPE)
    if GZIPPED:
        response.headers["Content-Encoding"] = "gzip"
    return response
