"""Signed tracking URLs: open pixel, click redirect, one-click unsubscribe (RFC 8058) with a Romanian
confirmation page; forged or altered links are 404 and record nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from genius.core.platform import Platform
from genius.vettify.campaigns.tracking import sign, verify
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import SEND_BODY, FlakyInbox, campaign, contact, run_batch


def test_tokens_verify_only_unchanged() -> None:
    tid, rid = uuid.uuid4(), uuid.uuid4()
    token = sign("s3cret", "click", tid, rid, "https://genius.ro/a")
    assert verify("s3cret", "click", token, "https://genius.ro/a") == (tid, rid)
    assert verify("s3cret", "click", token, "https://evil.example/a") is None  # target changed
    assert verify("s3cret", "open", token) is None  # another kind
    assert verify("other", "click", token, "https://genius.ro/a") is None  # another key
    payload, mac = token.split(".")
    other = sign("s3cret", "click", tid, uuid.uuid4(), "https://genius.ro/a").split(".")[0]
    assert verify("s3cret", "click", f"{other}.{mac}", "https://genius.ro/a") is None  # recipient swapped
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert verify("s3cret", "click", f"{payload}.{flipped}", "https://genius.ro/a") is None
    assert verify("s3cret", "click", "garbage", "https://genius.ro/a") is None


def _links(msg: Any) -> dict[str, str]:
    html = msg.get_body(("html",)).get_content()
    found = {}
    for kind in ("open", "click", "unsubscribe"):
        m = re.search(rf'"(http://127\.0\.0\.1:8000(/v1/crm/track/{kind}/[^"]+))"', html)
        assert m, kind
        found[kind] = m.group(2).replace("&amp;", "&")
    return found


def test_open_click_unsubscribe(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    contact(crm, "ana@client.ro")
    contact(crm, "dan@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    by_rcpt = {rcpts[0]: msg for rcpts, msg in inbox.messages}
    links = _links(by_rcpt["ana@client.ro"])
    client = crm.client

    # Forged and altered links: 404, nothing recorded.
    token = links["open"].rsplit("/", 1)[1]
    assert client.get(links["open"][:-3] + "AAA").status_code == 404
    assert client.get("/v1/crm/track/open/" + "A" * 43 + "." + "B" * 22).status_code == 404
    click_path, click_query = links["click"].split("?", 1)
    assert client.get(f"{click_path}?u=https://evil.example/", follow_redirects=False).status_code == 404
    assert client.post(f"/v1/crm/track/unsubscribe/{token}").status_code == 404  # an open token
    m = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert (m["opened"]["count"], m["clicked"]["count"], m["unsubscribed"]["count"]) == (0, 0, 0)

    pixel = client.get(links["open"])
    assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    target = parse_qs(click_query)["u"][0]
    assert target == "https://genius.ro/blog?x=1&y=2"
    redirect = client.get(links["click"], follow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["location"] == target

    # The unsubscribe link: a Romanian confirmation page, then the one-click POST (RFC 8058).
    page = client.get(links["unsubscribe"])
    assert page.status_code == 200 and "Dezabonare" in page.text
    header = by_rcpt["ana@client.ro"]["List-Unsubscribe"]
    one_click = urlsplit(header.split(",")[0].strip("<> ")).path
    assert one_click == links["unsubscribe"]
    done = client.post(
        one_click,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200 and "dezabonat" in done.text.lower()

    m = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert m["sent"] == 2
    assert m["opened"] == {"count": 1, "rate": 0.5}
    assert m["clicked"] == {"count": 1, "rate": 0.5}
    assert m["unsubscribed"] == {"count": 1, "rate": 0.5}
    sup = crm.call("GET", "/suppressions").json()["items"]
    assert [(s["address"], s["reason"], s["campaign_id"]) for s in sup] == [
        ("ana@client.ro", "unsubscribed", c["id"])
    ]

    # The next campaign skips the unsubscribed address.
    c2 = campaign(crm, "Al doilea")
    r = crm.call("POST", f"/campaigns/{c2['id']}/send", SEND_BODY)
    assert r.json()["recipients"] == 1 and r.json()["excluded"]["suppressed"] == 1


def test_consent_and_suppression_api(crm: Crm, make_tenant: Any) -> None:
    ana = contact(crm, "ana@client.ro", basis=None)
    r = crm.call(
        "POST",
        f"/contacts/{ana['id']}/consents",
        {"channel": "email", "basis": "legitimate_interest", "source": "târg", "proof": "listă semnată"},
    )
    assert r.status_code == 201, r.text
    assert (
        r.json()["basis"] == "legitimate_interest"
        and r.json()["given_at"]
        and r.json()["withdrawn_at"] is None
    )
    assert (
        crm.call("POST", f"/contacts/{ana['id']}/consents", {"basis": "maybe", "source": "x"}).status_code
        == 422
    )
    assert (
        crm.call(
            "POST", f"/contacts/{uuid.uuid4()}/consents", {"basis": "consent", "source": "x"}
        ).status_code
        == 404
    )
    assert (
        crm.call("POST", "/suppressions", {"address": "x@client.ro", "reason": "complained"}).status_code
        == 201
    )
    again = crm.call("POST", "/suppressions", {"address": "X@client.ro", "reason": "bounced"})
    assert again.status_code == 200 and again.json()["reason"] == "complained"
    assert (
        crm.call("POST", "/suppressions", {"address": "nu-e-adresa", "reason": "bounced"}).status_code == 422
    )

    # Another tenant sees none of it.
    other = Crm(crm.client, make_tenant().headers)
    assert other.call("GET", f"/contacts/{ana['id']}/consents").status_code == 404
    assert other.call("GET", "/suppressions").json()["items"] == []
