from registre.adapters import commands as c
from registre.adapters.service import Service


def test_a_programme_opened_in_a_store_is_found_there_again(service: Service) -> None:
    ctx = c.Context(actor="clerk")
    service.open_programme(
        c.OpenProgramme(
            programme="demo", title="T", organiser="O", founders={"m": "Métropole"}, rule="any"
        ),
        ctx,
    )
    again = Service(service.config)
    try:
        from registre.domain import Programme

        found = again.load(Programme, "demo", "demo")
        assert found is not None and found.founders == {"m": "Métropole"}
    finally:
        again.close()
