"""``sco-kg explain S P O``: why a triple holds (citations, OWL 2 RL rules, premises), as a tree or JSON."""

from __future__ import annotations

import argparse

from sco_kg.cli.commands._common import add_read_options, source_of

HELP = "explain why a triple holds: its sentences, or the OWL 2 RL rules and premises that infer it"
DESCRIPTION = """Explain why the triple S P O holds.

An asserted triple is cited: the sentence(s) that state or imply it (verbatim text, sentence IRI, character
offsets into the source text), its graph and the attribution ("the Declaration said" or the release itself), or
the outside source it comes from. An inferred triple gets the OWL 2 RL rule (by its specification id: prp-spo2,
prp-inv1, cax-sco, ...) that first concludes it and its premises, each explained the same way down to asserted
triples. A triple that does not hold says so (exit code 1).

S, P and O are IRIs (<...> or bare http(s)://...) or prefixed names (sco:, state:, organization:, ...); O may
also be an N-Triples literal ('"Uzbekistan"@en').

examples:
  sco-kg explain state:uzbekistan sco:memberOf organization:sco
  sco-kg explain state:china sco:isSignatoryOf document:declaration-2001 --format json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of ``explain``."""
    p.add_argument("subject", metavar="S", help="subject: IRI or prefixed name")
    p.add_argument("predicate", metavar="P", help="predicate: IRI or prefixed name")
    p.add_argument("object", metavar="O", help="object: IRI, prefixed name or N-Triples literal")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text tree (default) or JSON")
    add_read_options(p, store=False)


def run(args: argparse.Namespace) -> int:
    """Print the explanation; return 0 if the triple holds, 1 if it does not."""
    import json

    from sco_kg.explain import Fact, explain, parse_triple, render_tree

    fact = Fact(*parse_triple(args.subject, args.predicate, args.object))
    node = explain(fact, source_of(args))
    if args.format == "json":
        print(json.dumps(node.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_tree(node))
    return 1 if node.status == "not-holding" else 0
