"""Tests of feedserver.admin: the Korean admin, sign-in, accounts and sessions."""
