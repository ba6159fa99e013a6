"""Honest view counts: a reader's first view of a release each day counts, robots never.

A reader is the keyed hash of their address (an IPv6 /64) and User-Agent under the day's salt
(visitors.py). The first view is remembered (seen.py: a unique index in the database, or SET NX
in Redis), which keeps the count exact when many workers and instances answer at once; a
reload counts nothing. No cookie is set: the release page stays one cached page for all.
A client that rotates User-Agents from one address counts at most AUDIENCE_AGENTS_PER_ADDRESS
times a day per release: an office behind one NAT is several readers, a loop is not hundreds.
"""
from flask import current_app, request

from feedserver.audience.agents import aggregator, is_robot
from feedserver.audience.referrers import classify
from feedserver.audience.visitors import digest
from feedserver.clients import client_key


def count_view(release_id):
    """Add a view if this request is its reader's first of the release today.

    Return the new count, None when the database did not say it, False when nothing counted.
    """
    user_agent = request.headers.get("User-Agent", "")
    if is_robot(user_agent) or aggregator(user_agent) is not None:
        return False
    tally = current_app.extensions["feedserver.audience"]
    day = tally.clock.today()
    salt = tally.salts.get(day)
    address = client_key(request.remote_addr)
    scope = f"release:{int(release_id)}"
    cap = current_app.config["AUDIENCE_AGENTS_PER_ADDRESS"]
    count = tally.seen.count(day, scope, digest(salt, address, user_agent), digest(salt, address), cap,
                             int(release_id))
    if count is not False:
        tally.view(day, int(release_id), classify(request.referrer, request.host))
    return count

