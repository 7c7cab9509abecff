"""The application layer: recording commands (``commands``), one handler for
each (``handlers``), the unit of work that commits what a command records in
one transaction (``unit_of_work``), and the service that runs them
(``service``)."""

from registre.adapters.application.service import Batch, Recorded, Registre, Result

__all__ = ["Batch", "Recorded", "Registre", "Result"]
