"""Fair shares of the query workers (accord.query.fairness): one client's runaway
queries hold at most its share, and everybody else is still served. The protection is
also shown off (``query_per_client=0``), failing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from accord.query.fairness import ClientBusy, FairShare, client_key
from tests.hardening.conftest import RUNAWAY, MakeApp

ATTACKER = ("203.0.113.7", 40000)
OTHER = ("198.51.100.9", 40000)


def test_a_client_is_its_address_an_ipv6_client_its_64_and_local_clients_have_no_share() -> None:
    assert client_key("203.0.113.7", limit_local=False) == "203.0.113.7"
    a = client_key("2001:db8:1:2:aaaa::1", limit_local=False)
    b = client_key("2001:db8:1:2:bbbb::2", limit_local=False)
    assert a == b == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1", limit_local=False) != a
    assert client_key("::ffff:203.0.113.7", limit_local=False) == "203.0.113.7"
    for local in ("127.0.0.1", "::1", "testclient", "", None):
        assert client_key(local, limit_local=False) is None
    assert client_key("127.0.0.2", limit_local=True) == "127.0.0.2"
    assert client_key("testclient", limit_local=True) == "local"


def test_a_share_runs_its_queries_in_turn_and_refuses_a_queue_too_long() -> None:
    async def main() -> list[str]:
        share = FairShare(per_client=2, waiting=1)
        log: list[str] = []
        release = asyncio.Event()

        async def query(name: str, key: str) -> None:
            try:
                async with share.slot(key, timeout=5):
                    log.append(f"start {name}")
                    await release.wait()
            except ClientBusy as exc:
                log.append(f"refused {name} ({exc.status})")

        tasks = [asyncio.ensure_future(query(n, "a")) for n in ("a1", "a2", "a3", "a4")]
        tasks.append(asyncio.ensure_future(query("b1", "b")))
        await asyncio.sleep(0.05)
        assert share.running("a") == 2 and share.running("b") == 1
        release.set()
        await asyncio.gather(*tasks)
        assert share.running("a") == 0 and not share._queues
        return log

    log = asyncio.run(main())
    # a1 and a2 run, a3 waits, a4 finds the queue full; b1 is another client: it runs.
    assert log[:4] == ["start a1", "start a2", "refused a4 (429)", "start b1"]
    assert "start a3" in log


def test_a_wait_that_times_out_or_is_cancelled_leaves_no_slot_behind() -> None:
    async def main() -> None:
        share = FairShare(per_client=1, waiting=2)
        async with share.slot("a", timeout=1):
            with pytest.raises(ClientBusy, match="none of them ended within 0.1 s"):
                async with share.slot("a", timeout=0.1):
                    pass
            gone = asyncio.ensure_future(share.slot("a", timeout=5).__aenter__())
            await asyncio.sleep(0.05)
            gone.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gone
            assert not share._queues
        assert share.running("a") == 0 and not share._queues
        async with share.slot("a", timeout=0.1):  # free again
            assert share.running("a") == 1

    asyncio.run(main())


@pytest.mark.parametrize("per_client", [2, 0])
def test_one_clients_runaway_queries_leave_the_other_clients_served(
    make_app: MakeApp, per_client: int
) -> None:
    # Four runaway queries at once from one address held all four workers, and every
    # other client's ASK got 503 after the queue timeout. With a share of 2, the
    # attacker's third and fourth wait for its own (429), and the others are served.
    app = make_app(
        query_workers=4,
        query_timeout=4.0,
        query_queue_timeout=1.0,
        query_per_client=per_client,
    )

    def client(address: tuple[str, int]) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=address)
        return httpx.AsyncClient(transport=transport, base_url="http://accord.test")

    async def main() -> tuple[list[int], int]:
        async with client(ATTACKER) as attacker, client(OTHER) as other:
            runaway = [
                asyncio.ensure_future(attacker.get("/sparql", params={"query": RUNAWAY}))
                for _ in range(4)
            ]
            await asyncio.sleep(0.5)
            ask = await other.get("/sparql", params={"query": "ASK {}"})
            answers = await asyncio.gather(*runaway)
        return sorted(a.status_code for a in answers), ask.status_code

    statuses, ask = asyncio.run(main())
    if per_client:
        assert ask == 200
        assert statuses == [429, 429, 503, 503]  # two waited in vain, two timed out
    else:
        assert ask == 503  # every worker held by the one client
        assert statuses == [503, 503, 503, 503]
