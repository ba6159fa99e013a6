"""The feedserver test suite: one folder per feedserver package, whole-system tests at the top."""
