"""``python -m sco_kg.cli``: the same as the ``sco-kg`` command."""

from sco_kg.cli.main import entry

entry()
