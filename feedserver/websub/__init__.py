"""WebSub push: the durable outbox, the jobs the worker runs, the guarded HTTP client.

May import: plumbing, models, search, syndication. No blueprints.
"""
