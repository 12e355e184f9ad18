"""Built-in disposal policies (TOML data files read by scrutiny.workspace.disposal_policy)."""
