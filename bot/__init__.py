"""Strategibot: the Teams bot service (the only place, with ``dialogs``, that uses botbuilder)."""
