"""Fixtures only the API tests use: `st_hooks`, the hooks `st run` loads (tests/support/schemathesis_hooks.py)."""
import pytest

from tests.support import schemathesis_hooks


@pytest.fixture
def st_hooks():
    """filter_failure, sent_form_is_valid, sent_form; HOOKS_DIR and HOOKS_MODULE for SCHEMATHESIS_HOOKS."""
    return schemathesis_hooks
