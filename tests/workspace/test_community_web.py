"""Community reports over HTTP, on both databases: the public form and API with their guards (rate limit 429,
body size 413, honeypot, 422 naming the field), hostile text escaped wherever it is shown, contact details in
no public answer, the moderation pages' permissions, and the public summary beside the official figures."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import escape
from sqlalchemy import func, select

from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.web.workspace.community import letter_html, letter_pdf
from scrutiny.workspace import accounts
from scrutiny.workspace.community import letters, moderation, reports
from scrutiny.workspace.community.ratelimit import RateLimiter
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.community import CommunityReport
from tests.workspace.conftest import Browser
from tests.workspace.factories_community import EMAIL, PAYLOADS, PHONE, TEXT_FIELDS, payload_submission, valid

API = "/api/v1/community-reports"
Web = Callable[[], Browser]
MakeUser = Callable[..., User]


def recent(**changes: Any) -> dict[str, Any]:
    """A valid submission dated three days ago, whenever the test runs."""
    day = (datetime.now(reports.LONDON).date() - timedelta(days=3)).isoformat()
    return valid(**{"date": day, **changes})


def _as_json(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if v != ""}
    if "respect" in out:
        out["respect"] = int(out["respect"])
    return out


def _rows(ws: Workspace) -> list[CommunityReport]:
    with ws.session() as session:
        return list(session.scalars(select(CommunityReport)))


def _count(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(CommunityReport)) or 0


def _moderator(web: Web, make_user: MakeUser) -> Browser:
    member = make_user(Role.panel_member)
    browser = web()
    browser.login(member.email)
    return browser


def test_the_form_stores_a_report_and_offers_the_letter_by_its_reference(web: Web, ws: Workspace) -> None:
    public = web()
    form = public.get("/report")
    assert form.status_code == 200
    assert form.text.count('<option value="E09') == 33 and 'name="website"' in form.text
    assert 'name="csrf_token"' not in form.text.split('action="/report"')[1].split("</form>")[0]
    sent = public.post("/report", recent(contact_email=EMAIL, contact_consent="yes"), csrf=False)
    assert sent.status_code == 201, sent.text
    (report,) = _rows(ws)
    assert report.id in sent.text and report.contact_email == EMAIL
    assert EMAIL not in sent.text and 'name="token"' not in sent.text
    references = re.findall(r'name="reference" value="([^"]+)"', sent.text)
    assert references == [report.id, report.id]
    for _ in range(2):  # as often as asked: nothing is used up
        text = public.post("/report/letter", {"reference": report.id, "format": "text"}, csrf=False)
        assert text.status_code == 200 and text.headers["content-type"] == "text/plain; charset=utf-8"
        assert text.headers["content-disposition"] == 'attachment; filename="complaint-letter.txt"'
        assert "Directorate of Professional Standards\nMetropolitan Police Service\n" in text.text
        assert "They pushed me against the wall." in text.text and f"Email: {EMAIL}\n" in text.text
    pdf = public.post("/report/letter", {"reference": report.id, "format": "pdf"}, csrf=False)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert public.post("/report/letter", {"reference": "x" * 22, "format": "pdf"}, csrf=False).status_code == 404


def test_refusals_name_the_field(web: Web, ws: Workspace) -> None:
    public = web()
    page = public.post("/report", recent(kind=""), csrf=False)
    assert page.status_code == 422
    assert "say whether you were searched or only stopped" in page.text and 'href="#f-kind"' in page.text
    assert ">They pushed me against the wall.</textarea>" in page.text
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "arrest"}, "kind"), ({"date": "2099-01-01"}, "date"), ({"borough": "E09000099"}, "borough"),
        ({"respect": 9}, "respect"), ({"contact_phone": PHONE}, "contact_consent"), ({"colour": "red"}, "colour")]
    for change, field in cases:
        answer = public.client.post(API, json=_as_json(recent(**change)))
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == ["body", field]
    no_date = _as_json(recent())
    del no_date["date"]
    assert public.client.post(API, json=no_date).json()["detail"][0]["loc"] == ["body", "date"]
    assert public.client.post(API, content=b"{not json").json()["detail"][0]["loc"] == ["body", "body"]
    assert _count(ws) == 0


def test_rate_limit_answers_429_with_retry_after(web: Web, ws: Workspace) -> None:
    public = web()
    assert public.client.post(API, json=_as_json(recent(kind=""))).status_code == 422  # mistakes do not count
    for _ in range(5):
        assert public.client.post(API, json=_as_json(recent())).status_code == 201
    refused = public.client.post(API, json=_as_json(recent()))
    assert refused.status_code == 429 and 595 <= int(refused.headers["retry-after"]) <= 600
    form = public.post("/report", recent(), csrf=False)  # the form shares the limit
    assert form.status_code == 429 and form.headers["retry-after"]
    assert _count(ws) == 5


def test_body_size_limit_is_read_not_trusted(web: Web, ws: Workspace) -> None:
    public = web()
    big = _as_json(recent(account="x" * 17_000))
    assert public.client.post(API, json=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length at all: chunked, counted as it arrives
        yield b'{"account": "'
        for _ in range(20):
            yield b"y" * 1024
        yield b'"}'

    assert public.client.post(API, content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    assert public.post("/report", recent(account="z" * 17_000), csrf=False).status_code == 413
    assert public.client.post(API, json=_as_json(recent(account="x" * 6000))).status_code == 201  # under 16 KB
    assert _count(ws) == 1


def test_the_honeypot_is_answered_but_nothing_is_stored(web: Web, ws: Workspace) -> None:
    public = web()
    answer = public.client.post(API, json={**_as_json(recent()), "website": "http://spam.example"})
    assert answer.status_code == 201 and set(answer.json()) == {"reference", "letter_token"}
    page = public.post("/report", recent(website="http://spam.example"), csrf=False)
    assert page.status_code == 201 and "Thank you" in page.text
    assert _count(ws) == 0
    wrong = public.client.post(API, json={**_as_json(recent()), "website": {}})  # only filled-in text is a robot
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "website"


def test_hostile_text_is_kept_verbatim_and_shown_escaped(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    public, moderator = web(), _moderator(web, make_user)
    refs = []
    for payload in PAYLOADS:
        answer = public.client.post(API, json=_as_json(payload_submission(payload) | {"date": recent()["date"]}))
        assert answer.status_code == 201, answer.text
        refs.append(answer.json()["reference"])
    rows = {r.id: r for r in _rows(ws)}
    for ref, payload in zip(refs, PAYLOADS, strict=True):
        assert {f: getattr(rows[ref], f) for f in TEXT_FIELDS} == dict.fromkeys(TEXT_FIELDS, payload)
        shown = moderator.get(f"/workspace/community-reports/{ref}")
        assert shown.status_code == 200
        assert payload not in shown.text and str(escape(payload)) in shown.text
        made = letter_html(letters.compose(rows[ref]))
        assert payload not in made and made.count(str(escape(payload))) == len(TEXT_FIELDS) - 1  # not ethnicity
    assert "<script>alert(1)</script>" not in moderator.get("/workspace/community-reports").text
    assert letter_pdf(letters.compose(rows[refs[0]])).startswith(b"%PDF-")


def test_moderation_needs_a_panel_member_and_a_csrf_token(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    ref = web().client.post(API, json=_as_json(recent())).json()["reference"]
    visitor = web()
    assert visitor.get("/workspace/community-reports", follow_redirects=False).headers["location"] == \
        "/login?next=/workspace/community-reports"
    assert visitor.post(f"/workspace/community-reports/{ref}/publish").status_code == 401
    reviewer = web()
    reviewer.login(make_user(Role.reviewer).email)
    assert reviewer.get("/workspace/community-reports").status_code == 403
    assert reviewer.get(f"/workspace/community-reports/{ref}").status_code == 403
    assert reviewer.post(f"/workspace/community-reports/{ref}/publish").status_code == 403
    moderator = _moderator(web, make_user)
    assert moderator.post(f"/workspace/community-reports/{ref}/publish", csrf=False).status_code == 403
    assert _rows(ws)[0].status.value == "new"
    done = moderator.post(f"/workspace/community-reports/{ref}/publish")
    assert done.status_code == 303 and done.headers["location"] == f"/workspace/community-reports/{ref}"
    assert moderator.post(f"/workspace/community-reports/{ref}/approve-text").status_code == 303
    assert moderator.post(f"/workspace/community-reports/{ref}/explode").status_code == 404
    (row,) = _rows(ws)
    assert (row.status.value, row.account_approved) == ("published", True)
    admin = web()
    admin.login(make_user(Role.admin).email)
    assert admin.get("/workspace/community-reports").status_code == 200  # admins always


def test_contact_details_appear_nowhere_public(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    public, moderator = web(), _moderator(web, make_user)
    answer = public.client.post(API, json=_as_json(recent(contact_email=EMAIL, contact_phone=PHONE,
                                                          contact_consent="yes")))
    ref = answer.json()["reference"]
    for action in ("publish", "approve-text"):
        moderator.post(f"/workspace/community-reports/{ref}/{action}")
    detail = moderator.get(f"/workspace/community-reports/{ref}").text
    assert EMAIL in detail and PHONE in detail  # moderators see them while they are kept
    admin = web()
    admin.login(make_user(Role.admin).email)
    answers = [answer.text, admin.get("/workspace/audit").text, moderator.get("/workspace/community-reports").text]
    answers += [public.get(path).text for path in ("/report", "/rights", "/community-reports", f"{API}/summary",
                                                   "/api/v1/openapi.json")]
    assert "They pushed me against the wall." in answers[5]  # the approved words are public, the contact is not
    for text in answers:
        assert EMAIL not in text and PHONE not in text


def test_expired_contact_details_go_when_the_moderation_page_loads(web: Web, ws: Workspace,
                                                                    make_user: MakeUser) -> None:
    with ws.session(reports.PUBLIC_FORM) as session:
        old = reports.submit(session, recent(contact_email=EMAIL, contact_consent="yes"),
                             datetime.now(reports.LONDON) - timedelta(days=2))
        fresh = reports.submit(session, recent(contact_phone=PHONE, contact_consent="yes"))
    with ws.session() as session:
        row = session.get(CommunityReport, old.reference)
        assert row is not None and row.contact_expires_at is not None
    with ws.session(accounts.COMMAND_LINE) as session:  # as if its 90 days had passed
        row = session.get(CommunityReport, old.reference)
        assert row is not None
        row.contact_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert _moderator(web, make_user).get("/workspace/community-reports").status_code == 200
    emails = {r.id: (r.contact_email, r.contact_phone) for r in _rows(ws)}
    assert emails == {old.reference: (None, None), fresh.reference: (None, PHONE)}


def test_the_summary_sits_beside_the_official_figures(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    public, member = web(), make_user(Role.panel_member)
    app = public.client.app
    asked: list[Scope] = []

    def metrics(scope: Scope) -> dict[str, Any]:
        asked.append(scope)
        if scope.area == "E09000022":
            return {"searches": 1234}
        raise ScrutinyError("no data")

    app.state.metrics = metrics  # type: ignore[attr-defined]
    app.state.community_limiter = RateLimiter(limit=100)  # type: ignore[attr-defined]
    lambeth = [public.client.post(API, json=_as_json(recent())).json()["reference"] for _ in range(5)]
    hackney = public.client.post(API, json=_as_json(recent(borough="E09000012"))).json()["reference"]
    month = recent()["date"][:7]
    with ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, hackney, "publish")
        moderation.moderate(session, member, lambeth[0], "publish")
    cells = public.get(f"{API}/summary").json()["cells"]
    assert cells == [
        {"borough_code": "E09000012", "borough_name": "Hackney", "month": month, "reports": "<5", "searched": "<5",
         "official_searches": None},
        {"borough_code": "E09000022", "borough_name": "Lambeth", "month": month, "reports": "<5", "searched": "<5",
         "official_searches": 1234},
    ]
    assert Scope("metropolitan", "E09000022", month, month) in asked
    with ws.session(accounts.actor(member)) as session:
        for ref in lambeth[1:]:
            moderation.moderate(session, member, ref, "publish")
    page = public.get("/community-reports").text
    lambeth_row = page.split("<th scope=\"row\">Lambeth</th>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', lambeth_row) == ["5", "5", "1234"]
    hackney_row = page.split("<th scope=\"row\">Hackney</th>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', hackney_row) == ["&lt;5", "&lt;5", "not loaded"]
