"""Read models rebuilt from the event log: action plan, provenance, tallies,
participation, audit log; and their queries."""
