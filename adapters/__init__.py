"""Everything that touches the outside, one sub-package per role: the
application layer (``application``), the stores (``stores``), the audit ledger
(``ledger``), ``importers``, ``exporters``, the public ``site`` and the
demonstration programme (``demo``)."""
