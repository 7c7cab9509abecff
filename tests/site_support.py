"""The demonstration programme's public site, written once per test module."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import Recordings, record_demo

from registre.cli.main import main

SLUG = "fabrik-medvallee"


def publish_demo(folder: Path, recordings: Recordings) -> Path:
    """Copies the demo (recorded once per run, see conftest) to ``folder/demo.db``
    and publishes its site into ``folder/site``."""
    database, _ = recordings.copy("demo", "sqlite", record_demo, to=folder / "demo.db")
    runner = CliRunner()
    site = folder / "site"
    published = runner.invoke(
        main, ["--database", database, "publish", SLUG, "--out", str(site)], catch_exceptions=False
    )
    assert published.exit_code == 0, published.stderr
    return site
