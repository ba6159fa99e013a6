"""The token API /api/v1 and its OpenAPI document.

May import: domain packages and web's shared toolkit (errors).
"""
