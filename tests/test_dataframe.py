"""Issue 17, the Python API: ``Result.to_dataframe()`` gives typed columns and an optional label column; one term
type (``Term``) across ``select``, ``run`` and ``query``; the API prints nothing on stderr."""

from __future__ import annotations

import pytest

import sco_kg
from sco_kg.engine.results import Result
from sco_kg.rdf import iri
from sco_kg.rdf.term import XSD, Term

pd = pytest.importorskip("pandas")

DECLARATION = iri.DECLARATION
CHINA = iri.ID + "state/china"


def test_dates_years_and_iris_are_typed():
    frame = sco_kg.query("documents").to_dataframe()
    assert str(frame["date"].dtype).startswith("datetime64")
    assert str(frame["year"].dtype) == "Int64"  # xsd:gYear: the year number
    declaration = frame[frame["document"] == DECLARATION]
    assert set(declaration["date"]) == {pd.Timestamp("2001-06-15")}
    assert set(declaration["year"]) == {2001}
    assert frame["document"].map(type).eq(str).all()  # IRIs as their full string
    assert frame["date"].isna().any() and frame["year"].isna().any()  # unbound: NaT / <NA>, not ""


def test_integers_are_nullable_int64_and_sum():
    result = sco_kg.query("counts-by-class")
    frame = result.to_dataframe()
    assert str(frame["instances"].dtype) == "Int64"
    assert int(frame["instances"].sum()) == sum(int(row["instances"].value) for row in result.bindings)


def test_decimals_doubles_booleans_and_mixed_columns():
    res = sco_kg.run(
        "SELECT ?d ?f ?b ?m WHERE { VALUES (?d ?f ?b ?m) { "
        '(1.5 "2.5E0"^^<http://www.w3.org/2001/XMLSchema#double> true "text") '
        '("-0.25"^^<http://www.w3.org/2001/XMLSchema#decimal> "INF"^^<http://www.w3.org/2001/XMLSchema#double> '
        "false 3) "
        "(UNDEF UNDEF UNDEF <https://w3id.org/sco-kg/id/state/china>) } }"
    )
    frame = res.to_dataframe()
    assert str(frame["d"].dtype) == "float64" and frame["d"].tolist()[:2] == [1.5, -0.25]
    assert frame["f"].tolist()[1] == float("inf")
    assert str(frame["b"].dtype) == "boolean" and frame["b"].tolist()[:2] == [True, False]
    assert frame["m"].tolist() == ["text", "3", CHINA]  # mixed kinds: the lexical values as text
    assert frame["d"].isna().tolist() == [False, False, True]


def test_a_value_a_type_cannot_read_is_missing_not_an_error():
    res = Result(
        form="SELECT",
        vars=("when", "n"),
        rows=(
            (Term.literal("2001-06-15", datatype=XSD + "date"), Term.literal("7", datatype=XSD + "integer")),
            (Term.literal("2001-13-45", datatype=XSD + "date"), Term.literal("seven", datatype=XSD + "integer")),
        ),
    )
    frame = res.to_dataframe()
    assert frame["when"].tolist()[0] == pd.Timestamp("2001-06-15") and pd.isna(frame["when"].tolist()[1])
    assert frame["n"].tolist()[0] == 7 and pd.isna(frame["n"].tolist()[1])
    assert res.rows[1][0] is not None and res.rows[1][0].value == "2001-13-45"  # the lexical form is kept


def test_labels_add_a_label_column_after_each_iri_column():
    frame = sco_kg.query("signatories").to_dataframe(labels=True)
    assert list(frame.columns) == ["state", "state_label", "label"]
    assert frame.loc[frame["state"] == CHINA, "state_label"].tolist() == ["China"]
    assert (frame["state_label"] == frame["label"]).all()  # the same label the query itself picks
    zh = sco_kg.query("signatories").to_dataframe(labels=True, lang="zh")
    from sco_kg.engine.labels import labels

    assert zh.loc[zh["state"] == CHINA, "state_label"].tolist() == [labels([Term.uri(CHINA)], "zh")[CHINA]]
    assert zh.loc[zh["state"] == CHINA, "state_label"].tolist() != ["China"]
    mine = sco_kg.query("signatories").to_dataframe(labels={CHINA: "PRC"})
    assert mine.loc[mine["state"] == CHINA, "state_label"].tolist() == ["PRC"]
    assert mine["state_label"].isna().sum() == len(mine) - 1


def test_the_default_has_no_label_columns_and_the_cli_ranking_is_the_same():
    from sco_kg.engine.labels import labels

    result = sco_kg.query("summits")
    assert list(result.to_dataframe().columns) == list(result.vars)
    terms = [t for row in result.rows for t in row if t is not None]
    frame = result.to_dataframe(labels=True)
    cli_names = labels(terms)
    for column in ("summit", "city"):
        got = {i: lab for i, lab in zip(frame[column], frame[f"{column}_label"], strict=True) if i is not None}
        assert got == {i: cli_names[i] for i in got}


def test_one_term_type_across_select_run_and_query(capsys):
    """select(), run() and query() all give sco_kg.Term; the API is silent (the CLI's notes are the CLI's)."""
    via_select = sco_kg.select("signatories")
    via_query = sco_kg.query("signatories")
    text = sco_kg.sparql.catalog.get("signatories").text if hasattr(sco_kg, "sparql") else None
    via_run = sco_kg.run(text) if text else via_query
    for rows in (via_select, via_query.bindings, via_run.bindings):
        assert all(isinstance(t, Term) for row in rows for t in row.values())
    assert via_select == via_query.bindings == via_run.bindings
    assert sco_kg.Term is Term
    assert capsys.readouterr().err == ""
