"""``python -m registre.adapters.offline_verify``: the name published sites and
the README have given citizens for the offline verifier, kept so it goes on
working; the verifier itself is ``registre.adapters.ledger.offline_verify``."""

import sys

from registre.adapters.ledger.offline_verify import main

if __name__ == "__main__":
    sys.exit(main())
