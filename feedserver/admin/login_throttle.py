"""Login throttling per (client address, account name), counted atomically in the database.

A lock on a name alone would let anyone keep a known account locked, and a lock on an
address alone locks out everyone behind one proxy. So failures count per (address,
name); an address that tries many names is stopped by a higher per-address limit; a
name sprayed from many addresses only lowers each address's allowance, so its owner can
still sign in from an address of their own.

Each attempt first writes its own row and then counts: of any number of parallel
attempts, only those whose row is within the limit reach the password check.
"""
from datetime import timedelta

from flask import current_app

from feedserver.clients import client_key
from feedserver.db import database
from feedserver.models import LoginFailure, utcnow


def _config(name):
    return current_app.config[name]


def window_minutes():
    return _config("LOGIN_FAILURE_WINDOW_MINUTES")


def reserve(username, address):
    """Record an attempt before checking it; return its row, or None if it is over a limit."""
    now = utcnow()
    # IPv6 counts per /64: a host is given a whole /64, so single addresses cost it nothing.
    row = LoginFailure.create(username=username[:64], address=client_key(address), created_at=now)
    since = now - timedelta(minutes=window_minutes())
    recent = LoginFailure.select().where(LoginFailure.created_at > since)

    def count(*conditions):
        return recent.where(*conditions).count()

    pair_limit = _config("LOGIN_MAX_FAILURES")
    if count(LoginFailure.username == row.username) > _config("LOGIN_NAME_SPRAY_FAILURES"):
        pair_limit = min(pair_limit, _config("LOGIN_SPRAY_MAX_FAILURES"))
    over = (count(LoginFailure.address == row.address, LoginFailure.username == row.username) > pair_limit
            or count(LoginFailure.address == row.address) > _config("LOGIN_ADDRESS_MAX_FAILURES"))
    if over:
        LoginFailure.delete().where(LoginFailure.id == row.id).execute()
        return None
    return row


def succeeded(row):
    """Forget this pair's failures after a good password; the reservation was one of them."""
    LoginFailure.delete().where(LoginFailure.address == row.address,
                                LoginFailure.username == row.username).execute()


def forget_old():
    """Drop failures too old to matter."""
    with database.atomic():
        LoginFailure.delete().where(LoginFailure.created_at < utcnow() - timedelta(days=1)).execute()
