"""The tables of ``accord export`` read back in pandas, keyed as ATOP, COW and Kiel users join."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from accord.dataset import graph_files
from accord.publish.tables import COMMITMENT_COLUMNS, MEMBER_COLUMNS, table_csv
from accord.settings import bundled_paths
from accord.stores.oxigraph import OxigraphStore

ID = "https://w3id.org/accord/id/"


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore(graph_files(bundled_paths()))


def _frame(store: OxigraphStore, name: str) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(table_csv(store, name)), dtype={"cow_code": "Int64", "gw_code": "Int64"}
    )


def test_commitments_table_one_row_per_commitment_and_party(store: OxigraphStore) -> None:
    frame = _frame(store, "commitments-csv")
    assert list(frame.columns) == COMMITMENT_COLUMNS
    assert not frame.duplicated(["commitment", "party"]).any()
    assert set(frame["dataset_version"]) == {store.version}
    assert frame["commitment"].nunique() == 14
    germany = frame[frame["iso2"] == "DE"].iloc[0]
    # the COW and GW codes differ for Germany, and are kept apart
    assert (germany["cow_code"], germany["gw_code"]) == (255, 260)
    assert germany["level"] == "Offer" and germany["level_rank"] == 1
    assert set(germany["conditions"].split("; ")) == {
        "Ceasefire",
        "ParliamentaryApproval",
        "ConditionsClarified",
    }
    sweden = frame[(frame["iso2"] == "SE") & frame["item"].notna()].iloc[0]
    assert (sweden["item"], sweden["announced"]) == ("Gripen fighter jets", "2026-01-07")
    belgium = frame[frame["iso2"] == "BE"].iloc[0]
    assert belgium["conditions"] == "EndOfHostilities"
    assert belgium["expectations"] == "ThirdPartyBackstop; ThirdPartyMonitoring"
    # only the coder-set obligation counts as ATOP "defense": reassurance forces do not
    assert set(frame.loc[frame["atop_obligation"] == "defense", "commitment"]) == {
        ID + "commitment-binding-support-if-attacked"
    }


def test_the_commitments_table_joins_a_cow_keyed_frame(store: OxigraphStore) -> None:
    frame = _frame(store, "commitments-csv")
    cow = pd.DataFrame({"ccode": [255, 380, 211, 200, 220], "region": ["Europe"] * 5})
    joined = frame.merge(cow, left_on="cow_code", right_on="ccode", how="inner")
    assert set(joined["iso2"]) == {"DE", "SE", "BE", "GB", "FR"}
    # groups of states carry no codes and are not expanded into members the source does not list
    groups = frame[frame["cow_code"].isna()]
    assert set(groups["party"]) == {
        ID + "coalition-of-the-willing",
        ID + "coalition-european-countries",
    }


def test_atop_members_table(store: OxigraphStore) -> None:
    frame = _frame(store, "atop-members")
    assert list(frame.columns) == MEMBER_COLUMNS
    assert not frame.duplicated(["declaration", "member"]).any()
    rows = {r["iso2"]: r for _, r in frame.iterrows()}
    assert set(rows) == {"UA", "US"}  # Ukraine signed; the U.S. is recorded as not signing
    assert (rows["UA"]["signed"], rows["US"]["signed"]) == (1, 0)
    assert rows["US"]["cow_code"] == 2
    dummies = [
        "defense",
        "offense",
        "neutral",
        "nonagg",
        "consul",
        "coadv",
        "coloc",
        "conpr",
        "coreq",
    ]
    assert frame[dummies].isin([0, 1]).all().all()


def test_a_member_with_a_coded_obligation_and_conditions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "pledge.ttl"
    extra.write_text(
        f"""
        @prefix accord: <https://w3id.org/accord/ontology#> .
        @prefix concept: <https://w3id.org/accord/concept/> .
        <{ID}commitment-x> a accord:Commitment ; accord:committedBy <{ID}FR> ;
            accord:expressedIn <{ID}provision-binding-support-if-attacked> ;
            accord:atopObligation concept:atop-Defense ;
            accord:hasCondition [ accord:conditionType concept:SpecificAdversary ] .
        """,
        encoding="utf-8",
    )
    with_pledge = OxigraphStore(graph_files([*bundled_paths(), extra]))
    frame = _frame(with_pledge, "atop-members")
    france = frame[frame["iso2"] == "FR"].iloc[0]
    assert (france["defense"], france["coadv"], france["offense"], france["coloc"]) == (1, 1, 0, 0)
    assert pd.isna(
        france["signed"]
    )  # the source says neither that France signed nor that it did not


def test_accord_export_writes_the_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "commitments.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "accord.cli",
            "export",
            "--format",
            "commitments-csv",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out)["commitment"].nunique() == 14
