"""Every IRI of sco-kg as an rdflib name: the closed ``SCO`` namespace and the reused vocabularies.

``SCO`` is a closed ``DefinedNamespace`` (``_fail = True``): a typo such as ``SCO.signedby`` raises at once.
Its term list equals the ontology's terms (tests/test_ontology.py keeps the two in step; regenerate with
``python -m sco_kg.rdf.namespaces``). Plain-string IRIs for the fast path live in :mod:`sco_kg.rdf.iri`.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from sco_kg.rdf import iri


class SCO(DefinedNamespace):
    """The sco-kg ontology namespace (https://w3id.org/sco-kg/ontology/)."""

    _NS = Namespace(iri.ONTOLOGY)
    _fail = True

    # Classes and individuals
    Action: URIRef
    Aim: URIRef
    ApprovalEvent: URIRef
    Approved: URIRef
    ArrangementSet: URIRef
    AssertionGraph: URIRef
    Assessment: URIRef
    Charter: URIRef
    City: URIRef
    Collective: URIRef
    Condition: URIRef
    Convention: URIRef
    Declaration: URIRef
    DeclarationVoice: URIRef
    Document: URIRef
    DocumentSet: URIRef
    Done: URIRef
    EstablishmentEvent: URIRef
    Event: URIRef
    Existing: URIRef
    Expected: URIRef
    ExpectedBenefit: URIRef
    FieldOfCooperation: URIRef
    GeographicScope: URIRef
    Happened: URIRef
    HasApproved: URIRef
    HeadOfState: URIRef
    HistoricalPeriod: URIRef
    ImpliedGraph: URIRef
    InternationalInstrument: URIRef
    InternationalOrganization: URIRef
    IsBelieved: URIRef
    IsConsidering: URIRef
    IsExpected: URIRef
    IsFirmlyBelieved: URIRef
    IsOfSpecialSignificance: URIRef
    IsOrdered: URIRef
    IsSubjectOfBelief: URIRef
    IsWilling: URIRef
    Mechanism: URIRef
    Meeting: URIRef
    MeetingMechanism: URIRef
    Membership: URIRef
    Modality: URIRef
    ModalityScheme: URIRef
    NegotiationProcess: URIRef
    NewsRelease: URIRef
    NonBindingInstrument: URIRef
    Official: URIRef
    OfficialsGroup: URIRef
    OrganizationClass: URIRef
    OrganizationalBody: URIRef
    Place: URIRef
    Planned: URIRef
    PlannedBody: URIRef
    Plans: URIRef
    Principle: URIRef
    Procedure: URIRef
    RecurringMeeting: URIRef
    ReleaseVoice: URIRef
    ReportedVoice: URIRef
    Role: URIRef
    RulesOfProcedure: URIRef
    Should: URIRef
    SigningEvent: URIRef
    Spirit: URIRef
    State: URIRef
    StateGroup: URIRef
    StateGrouping: URIRef
    Status: URIRef
    StatusScheme: URIRef
    SummaryDocument: URIRef
    Summit: URIRef
    Threat: URIRef
    TimeExpression: URIRef
    TransformationEvent: URIRef
    Treaty: URIRef
    Trend: URIRef
    UnderConsideration: URIRef
    Voice: URIRef
    Will: URIRef

    # Properties
    actor: URIRef
    actorOf: URIRef
    addresses: URIRef
    admissionRule: URIRef
    agreesWith: URIRef
    approvedBy: URIRef
    approves: URIRef
    assesses: URIRef
    atPlace: URIRef
    attributionPhrase: URIRef
    basedOn: URIRef
    carriedOutIn: URIRef
    charterOf: URIRef
    cites: URIRef
    componentOf: URIRef
    concernsField: URIRef
    conformsTo: URIRef
    connective: URIRef
    continues: URIRef
    date: URIRef
    developedIn: URIRef
    documentSigned: URIRef
    draftedBy: URIRef
    drafts: URIRef
    evaluator: URIRef
    features: URIRef
    followsFrom: URIRef
    foundingDocument: URIRef
    foundingMemberOf: URIRef
    function: URIRef
    geographicScope: URIRef
    hasAim: URIRef
    hasComponent: URIRef
    hasContext: URIRef
    hasFoundingMember: URIRef
    hasHeadOfState: URIRef
    hasMember: URIRef
    hasMemberState: URIRef
    hasPart: URIRef
    hasParticipant: URIRef
    hasPrinciple: URIRef
    hasReason: URIRef
    hasSignatory: URIRef
    hasText: URIRef
    hasTime: URIRef
    holdsRole: URIRef
    hostingProcedure: URIRef
    impliedBy: URIRef
    inAdditionTo: URIRef
    involves: URIRef
    isBasisOf: URIRef
    isBasisOfRelationsAmong: URIRef
    isFoundingDocumentOf: URIRef
    isHeadOfStateOf: URIRef
    isMemberStateOf: URIRef
    isSignatoryOf: URIRef
    issuedBy: URIRef
    locatedIn: URIRef
    memberOf: URIRef
    memberThroughStateGroup: URIRef
    modality: URIRef
    modalityWord: URIRef
    object: URIRef
    ofState: URIRef
    paragraphNumber: URIRef
    partOf: URIRef
    participatedIn: URIRef
    partner: URIRef
    plannedLocation: URIRef
    plannedSubOrganizationOf: URIRef
    produced: URIRef
    producedAt: URIRef
    realizedAs: URIRef
    regulatedBy: URIRef
    relatedTo: URIRef
    replacedBy: URIRef
    replaces: URIRef
    reportedSpeaker: URIRef
    reportingVerb: URIRef
    reports: URIRef
    sentenceNumber: URIRef
    signed: URIRef
    signedAt: URIRef
    signedBy: URIRef
    signingEvent: URIRef
    statesOf: URIRef
    status: URIRef
    summitOf: URIRef
    toExpound: URIRef
    voice: URIRef
    year: URIRef


ID = Namespace(iri.ID)
GRAPH = Namespace(iri.GRAPH)
AG = Namespace(iri.GRAPH_ASSERTION)
NIF = Namespace(iri.PREFIXES["nif"])
ORG = Namespace(iri.PREFIXES["org"])
PROV = Namespace(iri.PREFIXES["prov"])
ELI = Namespace(iri.PREFIXES["eli"])
LKIF_NORM = Namespace(iri.PREFIXES["lkif-norm"])
SEM = Namespace(iri.PREFIXES["sem"])
SCHEMA = Namespace(iri.PREFIXES["schema"])
VANN = Namespace(iri.PREFIXES["vann"])
WD = Namespace(iri.PREFIXES["wd"])

GRAPH_ONTOLOGY = URIRef(iri.GRAPH_ONTOLOGY)
GRAPH_TEXT = URIRef(iri.GRAPH_TEXT)
GRAPH_PROVENANCE = URIRef(iri.GRAPH_PROVENANCE)
GRAPH_CURATION = URIRef(iri.GRAPH_CURATION)
GRAPH_CONTEXT = URIRef(iri.GRAPH_CONTEXT)
GRAPH_INFERRED = URIRef(iri.GRAPH_INFERRED)


def ontology_terms() -> list[str]:
    """Return the local names of every term the ontology files define (for regeneration and tests)."""
    from rdflib import Graph

    from sco_kg import paths

    g = Graph()
    for f in paths.ontology_files():
        g.parse(f, format="turtle")
    return sorted(
        {
            str(s)[len(iri.ONTOLOGY) :]
            for s in g.subjects()
            if isinstance(s, URIRef)
            and str(s).startswith(iri.ONTOLOGY)
            and "/" not in str(s)[len(iri.ONTOLOGY) :]
            and len(str(s)) > len(iri.ONTOLOGY)
        }
    )


if __name__ == "__main__":
    print("\n".join(ontology_terms()))
