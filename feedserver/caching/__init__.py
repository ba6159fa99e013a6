"""Everything that remembers. The invariant: every write bumps feed_state in its transaction,
so every cache is keyed by a state token and holds public content only, never per user.

May import: plumbing, models, syndication.
"""
