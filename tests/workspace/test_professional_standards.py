"""The complaints contacts the letter uses (catalog/professional_standards.csv): every row is a known force under
its catalogue name, once, with the public page it was checked against and the date, and a way to send a letter."""

from __future__ import annotations

from datetime import date

from scrutiny.catalog import forces, professional_standards, read_catalog

ROWS = read_catalog("professional_standards.csv")


def test_every_row_is_a_known_force_under_its_catalogue_name() -> None:
    known = forces()
    unknown = [row["force"] for row in ROWS if row["force"] not in known]
    assert unknown == []
    misnamed = [(row["force"], row["force_name"]) for row in ROWS if row["force_name"] != known[row["force"]].name]
    assert misnamed == []


def test_no_force_is_listed_twice() -> None:
    ids = [row["force"] for row in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(professional_standards()) == len(ROWS)  # the loader keeps every row


def test_every_row_has_its_source_page_and_the_day_it_was_checked() -> None:
    for contact in professional_standards().values():
        assert contact.source.startswith("https://") and " " not in contact.source, contact.force
        assert isinstance(contact.checked, date), contact.force  # the loader read an ISO date
    assert all(row["checked"] and row["source"] for row in ROWS)


def test_every_row_gives_a_way_to_send_the_letter() -> None:
    for contact in professional_standards().values():
        assert contact.online_form or contact.postal_address, contact.force
        assert contact.online_form == "" or contact.online_form.startswith("https://"), contact.force
        if not contact.postal_address:
            continue
        lines = [line.strip() for line in contact.postal_address.split(";")]
        assert all(lines), contact.force  # no empty line from a stray ";"
        # the letter puts the department and the force's name above the address: the lines must not repeat them
        assert contact.force_name not in lines and contact.department not in lines, contact.force


def test_the_catalogue_covers_forces_beyond_the_met() -> None:
    held = professional_standards()
    assert {"metropolitan", "south-yorkshire", "avon-and-somerset", "city-of-london"} <= set(held)
    assert held["south-yorkshire"].department == "Professional Standards Department"
    # added on 2026-12-06, each from a stored page of the force or its commissioner
    assert {"kent", "derbyshire", "lancashire", "northumbria"} <= set(held)
    assert held["kent"].department == "Professional Standards Department"
    assert held["kent"].online_form.startswith("https://www.kent.police.uk/")
    assert held["derbyshire"].department == ""  # its page names the department two ways: none is vouched for
    # they stay out: no stored page of Thames Valley Police or Surrey Police to complain on; Northern Ireland's
    # complaints go to the Police Ombudsman, which the letter (force name above, the IOPC below) cannot say
    assert not {"thames-valley", "surrey", "northern-ireland"} & set(held)
