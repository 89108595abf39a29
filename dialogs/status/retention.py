"""How long comments are kept: a pure decision over rounds and replies."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.status.models import Round, StatusReply


def purge_comments(
    rounds: Sequence[Round], replies: Sequence[StatusReply], keep_rounds: int
) -> list[StatusReply]:
    """Replies of rounds older than the newest ``keep_rounds`` with their free text removed.

    Only replies that still hold a comment or a next step are returned (the ones to write
    back); statuses are kept, so trends over many rounds stay possible.
    """
    newest = sorted(rounds, key=lambda r: (r.opened_at, r.id), reverse=True)
    old = {r.id for r in newest[max(keep_rounds, 0) :]}
    purged = []
    for reply in replies:
        if reply.round_id in old and any(a.comment or a.next_step for a in reply.answers):
            answers = tuple(
                a.model_copy(update={"comment": "", "next_step": ""}) for a in reply.answers
            )
            purged.append(reply.model_copy(update={"answers": answers}))
    return purged
