"""Every write to releases and categories, one transaction each, with its audit entry; import and export.

May import: plumbing, models, content, search, websub.outbox.
"""
