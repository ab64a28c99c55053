"""Each factual claim of the first source can be pointed to in data/.

Every row pairs an excerpt of the article (checked to be in the archived text, so the
list cannot drift from the source) with an ASK query that must hold over the bundled
graph.  Quotes in data/ must be verbatim: each appears in the article between
quotation marks.
"""

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from accord.dataset import graph_files
from accord.namespaces import ACCORD, sparql_prologue
from accord.settings import bundled_paths
from accord.stores.oxigraph import OxigraphStore
from tests import REPO

ARTICLE = REPO / "sources" / "paris-summit-2026-01-06.txt"
DATA = REPO / "data" / "paris-summit-2026-01-06.ttl"

FACTS: list[tuple[str, str]] = [
    (
        "hosted at the Élysée Palace  on Tuesday (6 January)",
        """ASK { id:paris-summit-2026-01-06 a accord:Summit ; accord:date "2026-01-06"^^xsd:date ;
                 accord:location id:elysee-palace ; accord:convenedBy id:coalition-of-the-willing }""",
    ),
    (
        "U.S. Special Envoy Steve Witkoff",
        """ASK { ?h org:member id:steve-witkoff ; org:organization id:US ; org:role concept:SpecialEnvoy }""",
    ),
    (
        "senior adviser to the U.S. President Jared Kushner",
        """ASK { ?h org:member id:jared-kushner ; org:organization id:US ; org:role concept:SeniorAdviser }""",
    ),
    (
        "at press conference during the Coalition of the Willing summit",
        """ASK { ?p accord:participant id:jared-kushner ; accord:event id:paris-summit-2026-01-06 .
                 ?q accord:participant id:steve-witkoff ; accord:event id:paris-summit-2026-01-06 }""",
    ),
    (
        "Witkoff said alongside leaders from France, Germany, the UK and Ukraine",
        """ASK { ?a accord:event id:paris-summit-2026-01-06 ; accord:onBehalfOf id:FR ; accord:participantRole concept:Leader .
                 ?b accord:event id:paris-summit-2026-01-06 ; accord:onBehalfOf id:DE ; accord:participantRole concept:Leader .
                 ?c accord:event id:paris-summit-2026-01-06 ; accord:onBehalfOf id:GB ; accord:participantRole concept:Leader .
                 ?d accord:event id:paris-summit-2026-01-06 ; accord:onBehalfOf id:UA ; accord:participantRole concept:Leader }""",
    ),
    (
        "Those security protocols are meant to deter any attacks",
        """ASK { ?s accord:speaker id:steve-witkoff ; accord:quote ?q ; accord:dateNote ?n .
                 FILTER(STRSTARTS(?q, "Those security protocols")) FILTER NOT EXISTS { ?s accord:date ?d } }""",
    ),
    (
        "including a U.S.-led ceasefire monitoring and verification mechanism",
        """ASK { ?c accord:committedBy id:US ; accord:contributionType concept:MonitoringAndVerification .
                 ?s accord:speaker id:emmanuel-macron ; accord:supports ?c }""",
    ),
    (
        "sustained military support for Ukraine’s armed forces",
        """ASK { id:paris-declaration-2026-final accord:containsProvision ?p .
                 ?c accord:expressedIn ?p ; accord:contributionType concept:SustainedMilitarySupport }""",
    ),
    (
        "a European-led multinational force to assist in reconstruction and deterrence once hostilities cease",
        """ASK { ?c accord:contributionType concept:MultinationalForce ; accord:textStage concept:InFinalText ;
                    accord:hasCondition/accord:conditionType concept:EndOfHostilities }""",
    ),
    (
        "binding commitments to support Ukraine should Russia launch future attacks",
        """ASK { ?c accord:contributionType concept:AssistanceIfAttacked ; accord:textStage concept:InFinalText ;
                    accord:hasCondition [ accord:conditionType concept:SpecificAdversary ; accord:adversary id:RU ] }""",
    ),
    (
        "a peace agreement can never mean a Ukrainian surrender",
        """ASK { ?s accord:speaker id:emmanuel-macron ; accord:quote ?q . FILTER(CONTAINS(?q, "Ukrainian surrender")) }""",
    ),
    (
        "including intelligence sharing, logistical support and a pledge to assist the force if attacked, according to Politico",
        """ASK { ?c accord:committedBy id:US ; accord:textStage concept:RemovedFromDraft ;
                    accord:contributionType concept:IntelligenceSharing , concept:LogisticalSupport , concept:AssistanceIfAttacked ;
                    prov:hadPrimarySource/accord:publisher id:politico .
                 id:paris-declaration-2026-drafts accord:containsProvision ?p . ?p accord:textStage concept:RemovedFromDraft }""",
    ),
    (
        "at the signing of the declaration on deploying post-ceasefire force in Ukraine",
        # present at the signing, which is not signing (review, finding 12)
        """ASK { id:declaration-post-ceasefire-force accord:adoptedAt ?e . ?e accord:date "2026-01-06"^^xsd:date .
                 ?a accord:participant id:volodymyr-zelenskyy ; accord:event ?e .
                 ?b accord:participant id:emmanuel-macron ; accord:event ?e .
                 ?c accord:participant id:keir-starmer ; accord:event ?e .
                 FILTER NOT EXISTS { ?x accord:declaration id:declaration-post-ceasefire-force ; accord:signatory ?who } }""",
    ),
    (
        "signed only by the coalition of European countries and Ukraine, rather than formally co-signed by Washington",
        """ASK { ?a a accord:Signature ; accord:signatory id:coalition-european-countries ; accord:declaration id:paris-declaration-2026 .
                 ?b a accord:Signature ; accord:signatory id:UA ; accord:declaration id:paris-declaration-2026 .
                 ?n a accord:NonSignature ; accord:nonSignatory id:US ; accord:declaration id:paris-declaration-2026 .
                 ?l a accord:SignatoryList ; accord:declaration id:paris-declaration-2026 ; accord:closedList true ;
                    accord:listedSignatory id:coalition-european-countries , id:UA }""",
    ),
    (
        "reassurance measures on land, in the air and at sea once a credible ceasefire is established, according to the official website of the European Council",
        """ASK { ?c accord:contributionType concept:ReassuranceMeasures ;
                    accord:hasCondition/accord:conditionType concept:CredibleCeasefire ;
                    prov:hadPrimarySource id:source-european-council-website }""",
    ),
    (
        "It also supports the regeneration of Ukraine’s armed forces",
        """ASK { ?c accord:contributionType concept:ForceRegeneration ; accord:textStage concept:InFinalText }""",
    ),
    (
        "which countries would contribute to different elements of the plan",
        """ASK { ?s accord:speaker id:volodymyr-zelenskyy ; accord:summary ?t . FILTER(CONTAINS(?t, "different elements")) }""",
    ),
    (
        "the UK and France would deploy military hubs across Ukraine",
        """ASK { ?c accord:committedBy id:GB , id:FR ; accord:contributionType concept:MilitaryHubs , concept:ProtectedWeaponsFacilities ;
                    accord:location id:UA ; accord:hasCondition/accord:conditionType concept:Ceasefire }""",
    ),
    (
        "deploying German forces to NATO territory adjacent to Ukraine after a ceasefire, subject to approval by the Bundestag",
        """ASK { ?c accord:committedBy id:DE ; accord:commitmentLevel concept:Offer ;
                    accord:location id:nato-territory-adjacent-to-ukraine ;
                    accord:hasCondition [ accord:conditionType concept:ParliamentaryApproval ; accord:approvingBody id:bundestag ] ,
                        [ accord:conditionType concept:ConditionsClarified ] }""",
    ),
    (
        "Swedish Prime Minister Ulf Kristersson said, via an X post, on Wednesday",
        """ASK { ?s accord:speaker id:ulf-kristersson ; accord:channel concept:XPost ; accord:date "2026-01-07"^^xsd:date }""",
    ),
    (
        "Gripen fighter jets for air surveillance over Ukraine, maritime resources to clear mines in the Black Sea",
        """ASK { ?a accord:committedBy id:SE ; accord:contributionType concept:AirSurveillance ; accord:location id:UA ;
                    accord:item "Gripen fighter jets"@en ; accord:commitmentLevel concept:Offer .
                 ?b accord:committedBy id:SE ; accord:contributionType concept:MineClearing ; accord:location id:black-sea .
                 ?c accord:committedBy id:SE ; accord:contributionType concept:Training }""",
    ),
    (
        "depend on a formal ceasefire, clear rules of engagement for the multinational force, and approval by the Swedish parliament",
        """ASK { ?c accord:committedBy id:SE ;
                    accord:hasCondition [ accord:conditionType concept:FormalCeasefire ] ,
                        [ accord:conditionType concept:ClearRulesOfEngagement ] ,
                        [ accord:conditionType concept:ParliamentaryApproval ; accord:approvingBody id:riksdag ] ,
                        [ accord:conditionType concept:PeaceAgreement ] }""",
    ),
    (
        "Belgium would take on its share of international efforts to safeguard peace in Ukraine once hostilities end",
        """ASK { ?c accord:committedBy id:BE ; accord:contributionType concept:AirCapabilities , concept:MaritimeCapabilities , concept:Training ;
                    accord:hasCondition [ accord:conditionType concept:EndOfHostilities ] ;
                    accord:reliesOn [ accord:expectationType concept:ThirdPartyBackstop ; accord:provider id:US ] ,
                        [ accord:expectationType concept:ThirdPartyMonitoring ; accord:provider id:US ] .
                 FILTER NOT EXISTS { ?c accord:hasCondition/accord:conditionType concept:ThirdPartyBackstop } }""",
    ),
    (
        "De Wever emphasised that Belgium’s contribution would be supported by a firm American backstop and U.S.-led monitoring",
        """ASK { ?e a accord:Expectation ; accord:expectationType concept:ThirdPartyBackstop .
                 FILTER NOT EXISTS { ?c a accord:Condition ; accord:conditionType concept:ThirdPartyBackstop } }""",
    ),
    (
        "Belgian Prime Minister Bart De Wever echoed Sweden's stance",
        """ASK { ?s accord:speaker id:bart-de-wever ; accord:echoes ?k . ?k accord:speaker id:ulf-kristersson }""",
    ),
    (
        "Greece would not participate directly in a European military force in Ukraine",
        """ASK { ?p a accord:Position ; accord:heldBy id:GR ; accord:stance concept:Declines ; accord:concerns concept:MultinationalForce .
                 ?o a accord:Position ; accord:heldBy id:GR ; accord:stance concept:DoesNotRuleOut ; accord:concerns concept:MaritimeSurveillance .
                 ?s accord:speaker id:kyriakos-mitsotakis ; accord:reiterated true .
                 FILTER NOT EXISTS { ?c a accord:Commitment ; accord:committedBy id:GR } }""",
    ),
    (
        "require backing from the U.S. Congress to be legally binding",
        """ASK { ?g a accord:SecurityGuarantee ;
                    accord:hasCondition [ accord:conditionType concept:CongressionalBacking ; accord:approvingBody id:us-congress ;
                                          accord:conditionScope concept:LegalForce ] .
                 ?s accord:speaker id:volodymyr-zelenskyy ; accord:quote "counting a lot on that"@en }""",
    ),
    (
        "the scale of future deployments and the exact nature of U.S. involvement, remain subject to further negotiation",
        """ASK { ?g accord:openQuestion ?a , ?b . FILTER(CONTAINS(?a, "scale of future deployments") && CONTAINS(?b, "U.S. involvement")) }""",
    ),
    (
        "Russia has previously rejected any NATO members having troops inside Ukraine",
        """ASK { ?p accord:heldBy id:RU ; accord:stance concept:Rejects ; accord:concerns id:NATO ; accord:dateNote ?n }""",
    ),
    (
        "Moscow has also given no public sign that it would accept a peace deal with the security guarantees",
        """ASK { ?p accord:heldBy id:RU ; accord:stance concept:NoSignOfAcceptance ; accord:concerns id:guarantee-ukraine-paris-2026 }""",
    ),
    (
        "Kyiv pushed for changes to a U.S. proposal that initially backed Russia's main demands",
        """ASK { ?p accord:heldBy id:UA ; accord:stance concept:SeeksChanges ; accord:concerns ?x . ?x accord:proposedBy id:US }""",
    ),
    (
        "Belgian Prime Minister Bart De Wever",
        # an undated statement gives the title: no date of office (review, finding 5)
        """ASK { ?h org:member id:bart-de-wever ; org:organization id:BE ; org:role concept:HeadOfGovernment ;
                    accord:dateNote ?n . FILTER NOT EXISTS { ?h accord:attestedOn ?d } }""",
    ),
    (
        "Greek Prime Minister Kyriakos Mitsotakis",
        """ASK { ?h org:member id:kyriakos-mitsotakis ; org:organization id:GR ; org:role concept:HeadOfGovernment }""",
    ),
    (
        "German Chancellor Friedrich Merz",
        """ASK { ?h org:member id:friedrich-merz ; org:organization id:DE ; org:role concept:HeadOfGovernment }""",
    ),
    (
        "Trump publicly reaffirmed support for Ukraine",
        """ASK { ?s accord:speaker id:donald-trump ; accord:dateNote ?n ; accord:reiterated true ; accord:supports id:UA }""",
    ),
    # Facts the outside review found missing from the 0.1 data.
    (
        "a U.S.-led ceasefire monitoring and verification mechanism with contributions from participating nations",
        """ASK { ?m a accord:Mission ; accord:ledBy id:US . ?g accord:contributesTo ?m .
                 ?c accord:forMission ?m ; accord:contributionType concept:MonitoringAndVerification }""",
    ),
    (
        "a European-led multinational force for Ukraine",
        """ASK { ?m a accord:Mission ; accord:ledBy id:coalition-european-countries .
                 ?a accord:forMission ?m ; accord:hasCondition/accord:conditionType concept:EndOfHostilities .
                 ?b accord:forMission ?m ; accord:hasCondition/accord:conditionType concept:CredibleCeasefire .
                 ?a accord:sameCommitmentAs ?b }""",
    ),
    (
        "Sweden stood ready to contribute to security guarantees for Ukraine and Europe",
        """ASK { ?c accord:committedBy id:SE ; accord:beneficiary id:UA , ?europe . ?europe rdfs:label "Europe"@en }""",
    ),
    (
        "However, some European governments remain cautious.",
        """ASK { ?p a accord:Position ; accord:stance concept:Cautious ; accord:heldBy ?g . ?g a accord:StateGroup }""",
    ),
    (
        "reflecting caution among coalition members over formal U.S. commitments",
        """ASK { ?p a accord:Position ; accord:stance concept:Cautious ; accord:concerns id:provision-us-role-in-force }""",
    ),
    (
        "a pledge to assist the force if attacked",
        """ASK { ?c accord:textStage concept:RemovedFromDraft ; accord:beneficiary ?force . ?force a accord:Mission }""",
    ),
    (
        "unveiling security guarantees backed by Washington",
        """ASK { id:guarantee-ukraine-paris-2026 accord:backedBy id:US .
                 FILTER NOT EXISTS { id:guarantee-ukraine-paris-2026 accord:guarantor id:US } }""",
    ),
    (
        "a detailed plan for long-term assistance contingent on a ceasefire with Russia",
        """ASK { ?c accord:contributionType concept:LongTermAssistance ; accord:committedBy id:US , id:coalition-european-countries }""",
    ),
    (
        "Moscow has yet to signal willingness to make concessions",
        """ASK { ?p accord:heldBy id:RU ; accord:stance concept:NoSignOfConcessions }""",
    ),
]


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore(graph_files(bundled_paths()))


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def test_every_local_copy_the_data_cites_is_in_the_repository() -> None:
    graph = Graph()
    for path in sorted((REPO / "data").rglob("*.ttl")):
        graph.parse(path)
    copies = {str(o) for o in graph.objects(None, ACCORD.localCopy)}
    assert f"sources/{ARTICLE.name}" in copies
    assert sorted(c for c in copies if not (REPO / c).is_file()) == []


def _normalise(text: str) -> str:
    """Fold typographic apostrophes and runs of white space (the article has no-break spaces)."""
    return " ".join(text.replace("’", "'").split())


@pytest.mark.parametrize(("excerpt", "ask"), FACTS, ids=[f[0][:50] for f in FACTS])
def test_fact_of_the_article_is_in_the_graph(
    store: OxigraphStore, article: str, excerpt: str, ask: str
) -> None:
    assert _normalise(excerpt) in _normalise(article), "the excerpt is not in the article"
    assert bool(store.query(sparql_prologue() + ask)), f"not in the graph: {excerpt}"


def test_quotes_are_verbatim(article: str) -> None:
    graph = Graph().parse(DATA)
    quotes = [str(q) for q in graph.objects(None, URIRef(ACCORD.quote))]
    assert len(quotes) == 7  # the seven quotations of the article, each coded once
    for quote in quotes:
        # Between the article's opening and closing quotation marks (a trailing comma
        # before the closing mark belongs to the sentence, not the quote).
        pattern = '[“"]' + re.escape(quote) + ',?[”"]'
        assert re.search(pattern, article), f"not verbatim between quotation marks: {quote!r}"


def test_every_node_of_the_article_data_cites_a_source() -> None:
    graph = Graph().parse(DATA)
    subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
    source = URIRef(ACCORD.Source)
    replaced = set(graph.subjects(URIRef("http://purl.org/dc/terms/isReplacedBy"), None))
    missing = [
        s
        for s in subjects - replaced
        if (s, RDF.type, source) not in graph
        and (
            s,
            PROV.wasDerivedFrom,
            URIRef("https://w3id.org/accord/id/source-article-paris-talks"),
        )
        not in graph
    ]
    assert missing == []
