"""The public restitution site of a programme, as static pages."""

from __future__ import annotations

from registre.adapters.site.build import build_site, build_sites

__all__ = ["build_site", "build_sites"]
