"""The demonstration programme's public site, written once per test module."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from registre.cli.main import main

SLUG = "fabrik-medvallee"


def publish_demo(folder: Path) -> Path:
    """Records the demo in a fresh SQLite store and publishes its site into ``folder/site``."""
    database = str(folder / "demo.db")
    runner = CliRunner()
    recorded = runner.invoke(main, ["--database", database, "demo"], catch_exceptions=False)
    assert recorded.exit_code == 0, recorded.stderr
    site = folder / "site"
    published = runner.invoke(
        main, ["--database", database, "publish", SLUG, "--out", str(site)], catch_exceptions=False
    )
    assert published.exit_code == 0, published.stderr
    return site
