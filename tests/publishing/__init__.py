"""Tests of feedserver.publishing: every write, import/export, backups."""
