"""The strategy, facts, glossary and bot texts as validated data."""

from content.loader import ContentError, load_content
from content.models import Content

__all__ = ["Content", "ContentError", "load_content"]
