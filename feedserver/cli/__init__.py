"""The `feedserver` command. Nothing imports cli/.
"""
from feedserver.cli.commands import main  # noqa: F401 - the console script's entry point
