"""The panel workspace: accounts, panels, governance, recommendations, search-record review."""
