"""What the fixtures are made of: plain classes and functions behind the conftest.py files.

Only conftest.py files import these modules; a test module asks for a fixture instead
(`html`, `staff`, `samples`, `websub`, `crawl`, `databases`, `servers`, `make_release`, ...),
and tests/test_layout.py fails the suite when one imports them by name.
"""
