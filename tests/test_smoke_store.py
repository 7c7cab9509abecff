from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.domain import DecisionRule

LAYER = "integration"


def test_a_programme_opened_in_a_store_is_found_there_again(service: Registre) -> None:
    ctx = c.Context(actor="clerk")
    service.handle(
        c.OpenProgramme(
            programme="demo",
            title="T",
            organiser="O",
            founders={"m": "Métropole"},
            rule=DecisionRule.ANY,
        ),
        ctx,
    )
    again = Registre.open(service.config)
    try:
        from registre.domain import Programme

        found = again.load(Programme, "demo", "demo")
        assert found is not None and found.founders == {"m": "Métropole"}
    finally:
        again.close()
