"""The OpenAPI document tells the truth: generated requests never get a 500 or an undocumented answer."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Schema-valid input may still be refused for reasons a schema cannot state (a schedule time in
# the past, a release that is not published yet), so "valid data accepted" is not checked.
EXCLUDED = [positive_data_acceptance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}


@pytest.fixture
def schema_app(staff_app, staff):
    client = staff_app.test_client()
    release = client.post("/api/v1/releases", headers=staff.bearer(staff_app),
                          json={"title": "기준 보도자료", "category": "press", "status": "published"})
    staff_app.config["KNOWN_RELEASE"] = release.get_json()["id"]
    return staff_app


def test_api_conforms_to_its_openapi_document(schema_app, staff):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", schema_app)
    headers, known = staff.bearer(schema_app), schema_app.config["KNOWN_RELEASE"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
            @settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case, use_known):
                if use_known and mode.is_positive and "public_id" in (case.path_parameters or {}):
                    case.path_parameters["public_id"] = known  # reach past the 404s too
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

            check()
