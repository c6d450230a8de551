"""movielens-tui: collaborative filtering on MovieLens in the terminal.

Only the version lives here so that importing the package stays instant.
"""

__version__ = "0.1.0"
