"""Feeds: the source (releases and state for a scope), the pure description and its serialisers.

May import: plumbing, models, content, search. Never web/, admin/, api/.
"""
