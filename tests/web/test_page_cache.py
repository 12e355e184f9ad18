"""Dashboard pages are cached like API answers, and an ingest makes the next visit show the new data."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import ingest, make_client, write_march


def test_a_repeat_visit_is_served_from_the_cache_until_an_ingest(fresh_db: Path, tmp_path: Path) -> None:
    with make_client(fresh_db) as client:
        first = client.get("/force/kent")
        assert first.status_code == 200 and first.headers["X-Scrutiny-Cache"] == "miss"
        again = client.get("/force/kent")
        assert again.headers["X-Scrutiny-Cache"] == "hit" and again.text == first.text
        partial = client.get("/force/kent", headers={"HX-Request": "true"})
        assert partial.headers["X-Scrutiny-Cache"] == "miss" and len(partial.text) < len(first.text)
        assert client.get("/force/kent", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

        ingest(write_march(tmp_path / "march"), "--db", fresh_db)
        after = client.get("/force/kent")
        assert after.headers["X-Scrutiny-Cache"] == "miss"
        assert after.text != first.text


def test_error_pages_are_not_cached(fresh_db: Path) -> None:
    with make_client(fresh_db) as client:
        for _ in range(2):
            missing = client.get("/force/gotham")
            assert missing.status_code == 404
            assert "X-Scrutiny-Cache" not in missing.headers
