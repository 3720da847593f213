"""One module per ``sco-kg`` subcommand; each imports only the standard library at module level."""
