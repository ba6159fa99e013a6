"""Fixtures of the web tests: the crawl of every public route that the privacy guards walk."""
import pytest

from tests.support import crawl as crawl_module


@pytest.fixture
def crawl():
    """sample_urls, public_endpoints, seed_public_board, VARIANTS, leaks, body_text, ADMIN_NAME, ..."""
    return crawl_module
