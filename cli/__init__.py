"""The ``registre`` command line: clerks, operators and auditors."""
