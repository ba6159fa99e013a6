"""Honest view counts: a reader's first view of a release each day counts, robots never.

A reader is the keyed hash of their address (an IPv6 /64) and User-Agent under the day's salt
(visitors.py). The first view inserts (day, release, hash) into audience_seen, whose unique
index makes the count exact when many workers and instances answer at once; a reload inserts
nothing and counts nothing. No cookie is set: the release page stays one cached page for all.
A client that rotates User-Agents from one address counts at most AUDIENCE_AGENTS_PER_ADDRESS
times a day per release: an office behind one NAT is several readers, a loop is not hundreds.
"""
from flask import current_app, request

from feedserver.audience.agents import aggregator, is_robot
from feedserver.audience.referrers import classify
from feedserver.audience.visitors import digest
from feedserver.clients import client_key
from feedserver.db import database
from feedserver.models import AudienceSeen


def first_view(release_id):
    """Tell whether this request is its reader's first view of the release today; record it."""
    user_agent = request.headers.get("User-Agent", "")
    if is_robot(user_agent) or aggregator(user_agent) is not None:
        return False
    tally = current_app.extensions["feedserver.audience"]
    day = tally.clock.today()
    salt = tally.salts.get(day)
    address = client_key(request.remote_addr)
    scope = f"release:{int(release_id)}"
    hashed_address = digest(salt, address)
    inserted = database.execute(AudienceSeen.insert(
        day=day, scope=scope, visitor=digest(salt, address, user_agent),
        address=hashed_address).on_conflict_ignore()).rowcount
    if inserted != 1 or not _within_cap(day, scope, hashed_address):
        return False
    tally.view(day, int(release_id), classify(request.referrer, request.host))
    return True


def _within_cap(day, scope, hashed_address):
    cap = current_app.config["AUDIENCE_AGENTS_PER_ADDRESS"]
    if not cap:
        return True
    agents = AudienceSeen.select().where(AudienceSeen.day == day, AudienceSeen.scope == scope,
                                         AudienceSeen.address == hashed_address).count()
    return agents <= cap
