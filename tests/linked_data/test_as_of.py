"""The state page answers "as of date D, what had this state promised, and how firmly?"
from the lifecycle events, as the named query status-as-of does."""

from fastapi.testclient import TestClient

from accord.publish.lifecycle import known_from


def _pledges(html: str) -> str:
    start = html.index('id="pledges"')
    return html[start : html.index("</section>", start)]


def test_sweden_as_of_5_and_8_january(client: TestClient) -> None:
    before = _pledges(client.get("/id/SE.html?on=2026-01-05").text)
    assert "as of" in before and "No pledge is recorded by that date." in before
    after = _pledges(client.get("/id/SE.html?on=2026-01-08").text)
    for commitment in ("se-air-surveillance", "se-mine-clearing", "se-training"):
        assert f'href="/id/commitment-{commitment}"' in after
    assert after.count('href="/concept/Offer"') == 3  # the level, linked to its concept
    assert after.count('<time datetime="2026-01-07">') == 3  # announced by the X post of the 7th


def test_without_a_date_every_pledge_with_its_latest_step_or_undated(client: TestClient) -> None:
    html = _pledges(client.get("/id/GB.html").text)
    assert 'href="/id/commitment-uk-fr-hubs-and-facilities"' in html
    assert "undated" in html  # Starmer's remark has no date
    assert 'href="/concept/PoliticalPledge"' in html
    # with a date, an undated pledge is not "as of" anything
    assert "commitment-uk-fr-hubs" not in _pledges(client.get("/id/GB.html?on=2026-12-31").text)


def test_month_and_year_dates_count_from_their_end() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert known_from("2026-03", xsd + "gYearMonth") == "2026-03-31"
    assert known_from("2026", xsd + "gYear") == "2026-12-31"
    assert known_from("2026-03-15", xsd + "date") == "2026-03-15"
    assert "2026-03-31" > "2026-03-15" and "2026-02-31" < "2026-03-01"  # compared as text
