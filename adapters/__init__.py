"""Everything that touches the outside: the store, the application service,
personal data kept beside the log."""
