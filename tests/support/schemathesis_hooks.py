"""Schemathesis hooks for tests/api/test_api_schema.py, loaded by `st` through SCHEMATHESIS_HOOKS.

Schemathesis sends a list value as one part per item, so an empty list sends no part at all. A
negative body such as {"file": <png>, "x": []} violates `additionalProperties: false`, yet goes
out as one well-formed `file` part, and a 201 for it is
then reported as "schema-violating request accepted" (ST201). The hook judges an ST201 on a
multipart request by the bytes that were sent, so such a report is dropped and a real one stays.
"""
import io
from pathlib import Path

import jsonschema_rs
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from werkzeug.formparser import parse_form_data

MULTIPART = "multipart/form-data"
# What `st run` needs in its environment to load this module: the project root on its path
# (tests/support itself would shadow the standard library's html with tests/support/html.py).
HOOKS_DIR = str(Path(__file__).resolve().parents[2])
HOOKS_MODULE = "tests.support.schemathesis_hooks"


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except an ST201 whose multipart request, as sent, satisfies the schema."""
    if not isinstance(failure, AcceptedNegativeData):
        return True
    return not sent_form_is_valid(case, response.request)


def sent_form_is_valid(case, request):
    """Whether the multipart body on the wire is valid for the operation's multipart schema."""
    content_type = request.headers.get("Content-Type", "")
    schema = _multipart_schema(case.operation)
    if schema is None or not content_type.startswith(MULTIPART):
        return False
    instance = sent_form(content_type, request.body or b"")
    return instance is not None and jsonschema_rs.Draft4Validator(schema).is_valid(instance)


def sent_form(content_type, body):
    """The parts of a multipart body as {name: text}; None if a name repeats or a file lacks a name."""
    body = body.encode() if isinstance(body, str) else body
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    _, form, files = parse_form_data(environ)
    names = [name for parts in (form, files) for name, values in parts.lists() for _ in values]
    if len(names) != len(set(names)) or any(not part.filename for part in files.values()):
        return None
    # The schema says `type: string` for a file; its bytes read as Latin-1 keep their length.
    return {**form.to_dict(), **{name: part.read().decode("latin-1") for name, part in files.items()}}


def _multipart_schema(operation):
    for parameter in operation.body:
        if parameter.media_type == MULTIPART:
            return parameter.resolved_schema
    return None
