"""Shared test set-up: make tests/ importable helpers available."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))
