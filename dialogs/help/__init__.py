"""``hjælp``, how-to answers and the welcome: what the bot can do for each user.

Every command declares its own lines of help (what to type, what it does, and for whom) next
to its aliases in ``content/data/intents.yaml``; this feature gathers them per role. It knows
no other feature: the composition root gives it the role lookups (:class:`~dialogs.help.
feature.Roles`).
"""
