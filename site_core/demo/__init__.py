"""Demo content for `flask load-demo`."""
from pathlib import Path

ARTICLES = Path(__file__).with_name("articles.jsonl")
