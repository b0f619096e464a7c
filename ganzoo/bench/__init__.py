"""Benchmark grids (``ganzoo bench``) and the leaderboard generated from their results."""

from ganzoo.bench.grid import Budget, Cell, Settings, expand_grid, match_recipes
from ganzoo.bench.leaderboard import write_leaderboard
from ganzoo.bench.ranking import Leaderboard, load_results
from ganzoo.bench.runner import CellOutcome, GridRunner

__all__ = ["Budget", "Cell", "CellOutcome", "GridRunner", "Leaderboard", "Settings", "expand_grid", "load_results", "match_recipes", "write_leaderboard"]
