"""The schemathesis hook drops only the ST201 reports whose upload, as sent, was valid.

The upload request is built from schemathesis' own cases and serialised by requests, as `st run`
does; the first test is the shape that failed CI: a negative body whose extra property, an empty
list, sent no part, so the upload on the wire was valid and answered 201.
"""
import pytest
import requests
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.file_samples import FILE_SAMPLES
from schemathesis.transport.serialization import Binary

from feedserver.api.openapi import document

BASE = "http://feedserver.test/api/v1"
PNG = FILE_SAMPLES["png"]  # the 1x1 PNG schemathesis itself uploads


@pytest.fixture(scope="module")
def add_attachment():
    schema = schemathesis.openapi.from_dict({**document(["press"], 200), "servers": [{"url": BASE}]})
    return schema.find_operation_by_id("addAttachment")


def sent(operation, body):
    """The request `st run` would send for this multipart body."""
    case = operation.Case(path_parameters={"public_id": "abc"}, body=body,
                          media_type="multipart/form-data")
    kwargs = case.as_transport_kwargs(base_url=BASE)
    fields = {key: kwargs[key] for key in ("method", "url", "files", "data", "headers") if key in kwargs}
    return case, requests.Request(**fields).prepare()


def st201(case):
    return AcceptedNegativeData(operation=case.operation.label, message="accepted",
                                status_code=201, expected_statuses=["400"])


class Answer:
    def __init__(self, request):
        self.request = request


def test_a_part_that_sent_nothing_makes_the_upload_valid_and_the_report_is_dropped(add_attachment, st_hooks):
    case, request = sent(add_attachment, {"file": Binary(PNG), "note": []})
    assert b'name="note"' not in request.body  # what made the old run fail: nothing of it was sent
    assert st_hooks.sent_form_is_valid(case, request)
    assert st_hooks.filter_failure(None, st201(case), case, Answer(request)) is False


@pytest.mark.parametrize("body", [
    {"file": Binary(PNG), "note": "extra"},      # a part the schema does not allow
    {"file": [Binary(PNG), Binary(PNG)]},  # the file twice
    {"note": "no file"},                                  # no file at all
    {"file": Binary(b"")},                                # an empty file
], ids=["extra-part", "two-files", "no-file", "empty-file"])
def test_an_accepted_invalid_upload_is_still_reported(add_attachment, body, st_hooks):
    case, request = sent(add_attachment, body)
    assert not st_hooks.sent_form_is_valid(case, request)
    assert st_hooks.filter_failure(None, st201(case), case, Answer(request)) is True


def test_other_failures_and_other_media_types_are_kept(add_attachment, st_hooks):
    case, request = sent(add_attachment, {"file": Binary(PNG)})
    assert st_hooks.filter_failure(None, object(), case, Answer(request)) is True
    request.headers["Content-Type"] = "application/json"
    assert st_hooks.filter_failure(None, st201(case), case, Answer(request)) is True
