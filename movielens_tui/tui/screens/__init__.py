"""Modal screens pushed over the panes."""
