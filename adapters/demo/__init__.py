"""The demonstration programme, Fabrik MedVallée (2021–22), recorded through
the application service as a clerk would (``record``), from fixed data
(``data``)."""

from registre.adapters.demo.record import ACTOR, record_fabrik_medvallee

__all__ = ["ACTOR", "record_fabrik_medvallee"]
