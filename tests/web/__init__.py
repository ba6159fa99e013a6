"""Tests of feedserver.web: board, feeds, widget, security headers, rate limits, sessions, nginx in front."""
