"""How fast projections are rebuilt, beside how fast the log can be read.

Records a generated programme (``--events``, default 100,000) on SQLite and on
PostgreSQL, then measures, in the same run: reading the notification log in
pages, decoding it into domain events, and replaying every projection from
zero. Prints events per second. Not a test: nothing is asserted.

    python bench/replay.py --events 5000
"""

from __future__ import annotations

import click
from common import Row, on_both_stores, timed

from registre.adapters.bulk import record_generated
from registre.adapters.service import Service
from registre.adapters.store import parse_url
from registre.projections import projector_for
from registre.projections.runner import PAGE_SIZE


def measure(url: str, events: int) -> list[Row]:
    rows: list[Row] = []
    with Service(parse_url(url)) as service:
        recorded, seconds = timed(lambda: record_generated(service, "bench", events))
        rows.append(("record (batches through the application)", recorded, seconds))
        recorder, mapper = service.app.recorder, service.app.mapper

        def read(decode: bool) -> int:
            count, position = 0, 0
            while page := recorder.select_notifications(
                start=position, limit=PAGE_SIZE, inclusive_of_start=False
            ):
                if decode:
                    for n in page:
                        mapper.to_domain_event(n)
                count += len(page)
                position = page[-1].id
            return count

        rows.append(("read the log (select_notifications)", *timed(lambda: read(False))))
        rows.append(("read and decode (to_domain_event)", *timed(lambda: read(True))))
        projector = projector_for(service)
        head = projector.head()
        total = 0.0
        for name in projector.projections:
            _, seconds = timed(lambda: (projector.replay(name), head)[1])  # noqa: B023
            rows.append((f"replay {name}", head, seconds))
            total += seconds
        count = head * len(projector.projections)
        rows.append((f"replay all {len(projector.projections)} projections", count, total))
    return rows


@click.command()
@click.option("--events", default=100_000, show_default=True, help="Size of the programme.")
def main(events: int) -> None:
    """Measure replays against raw reads of the log, on both stores."""
    on_both_stores(lambda url: measure(url, events), f"page size {PAGE_SIZE}")


if __name__ == "__main__":
    main()
