"""Command-line interface.  Only this package prints or exits."""
