"""Board search: the bigram index, matching, newest-first windows and the time budget.

May import: plumbing and models.
"""
