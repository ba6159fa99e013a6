"""The publishers' admin UI: sign-in, sessions, releases, users, categories, tokens.

May import: domain packages and web's shared toolkit (errors, security, pagination).
"""
