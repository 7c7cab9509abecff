"""Open-data exports of a programme: the plan, proposals, contributions and
tallies, as CSV and JSON, read from the projections.

Participants appear only by their pseudonymous key and their organisation's
type: names and contacts live beside the log (``personal_data``) and are
never read here, and organisations' names are left out too, since a small
organisation can name a person.
"""

from __future__ import annotations

from registre.adapters.exporters.formats import FORMATS, render
from registre.adapters.exporters.tables import KINDS, Export, build

__all__ = ["FORMATS", "KINDS", "Export", "build", "render"]
