"""Pydantic models for the content files in ``content/data``.

Cross-references (a målsætning's pejlemærke, a nøgleord's glossary term) are checked when
the whole :class:`Content` is built, so a broken file stops start-up.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from content.report_texts import ReportTexts
from status.models import Status

_MAALSAETNING_ID = re.compile(r"^[1-9]\.[1-9]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pejlemaerke(_Strict):
    """One of the four guiding principles."""

    number: int = Field(ge=1, le=9)
    name: str = Field(min_length=1)
    vision: str = Field(min_length=1)
    english: str = Field(min_length=1)
    about: tuple[str, ...] = Field(min_length=1)
    synonyms: tuple[str, ...] = ()


class Maalsaetning(_Strict):
    """One målsætning with its exact official wording."""

    id: str = Field(pattern=_MAALSAETNING_ID.pattern)
    pejlemaerke: int
    text: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()


class Noegleord(_Strict):
    """A nøgleord of a pejlemærke, optionally explained by a glossary term."""

    id: str = Field(min_length=1)
    pejlemaerke: int
    text: str = Field(min_length=1)
    related: tuple[str, ...] = ()
    term: str | None = None
    synonyms: tuple[str, ...] = ()


class Section(_Strict):
    """A titled section of the strategy (the cross-cutting collaboration)."""

    title: str
    passages: tuple[str, ...] = Field(min_length=1)
    synonyms: tuple[str, ...] = ()


class Strategy(_Strict):
    """The strategy document itself."""

    title: str
    owner: str
    approved_by: str
    approved_on: date
    source: str
    introduction: tuple[str, ...] = Field(min_length=1)
    structure: tuple[str, ...] = Field(min_length=1)
    pejlemaerker: tuple[Pejlemaerke, ...] = Field(min_length=1)
    collaboration: Section
    maalsaetninger: tuple[Maalsaetning, ...] = Field(min_length=1)
    noegleord: tuple[Noegleord, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        numbers = [p.number for p in self.pejlemaerker]
        if len(set(numbers)) != len(numbers):
            raise ValueError("pejlemaerker: numbers must be unique")
        ids = [m.id for m in self.maalsaetninger]
        if len(set(ids)) != len(ids):
            raise ValueError("maalsaetninger: ids must be unique")
        for m in self.maalsaetninger:
            if m.pejlemaerke not in numbers:
                raise ValueError(f"maalsaetninger {m.id}: unknown pejlemaerke {m.pejlemaerke}")
            if not m.id.startswith(f"{m.pejlemaerke}."):
                raise ValueError(f"maalsaetninger {m.id}: id does not match pejlemaerke")
        for n in self.noegleord:
            if n.pejlemaerke not in numbers:
                raise ValueError(f"noegleord {n.id}: unknown pejlemaerke {n.pejlemaerke}")
            for ref in n.related:
                if ref not in ids:
                    raise ValueError(f"noegleord {n.id}: unknown målsætning {ref}")
        return self

    def pejlemaerke(self, number: int) -> Pejlemaerke | None:
        """The pejlemærke with this number, if any."""
        return next((p for p in self.pejlemaerker if p.number == number), None)

    def maalsaetning(self, ident: str) -> Maalsaetning | None:
        """The målsætning with this id ("2.3"), if any."""
        return next((m for m in self.maalsaetninger if m.id == ident), None)

    def maalsaetninger_under(self, number: int) -> list[Maalsaetning]:
        """The målsætninger of one pejlemærke, in order."""
        return [m for m in self.maalsaetninger if m.pejlemaerke == number]


class Fact(_Strict):
    """A fact about the strategy from the source documents."""

    id: str = Field(min_length=1)
    title: str
    answer: str
    details: tuple[str, ...] = ()
    source: str
    questions: tuple[str, ...] = ()


class Facts(_Strict):
    facts: tuple[Fact, ...]


class Term(_Strict):
    """A glossary entry; ``general`` marks a definition not taken from the sources."""

    id: str = Field(min_length=1)
    term: str
    aliases: tuple[str, ...] = ()
    definition: str
    general: bool


class Glossary(_Strict):
    terms: tuple[Term, ...]


class HelpCommand(_Strict):
    command: str
    description: str


class DanishMessages(_Strict):
    """Every text the bot writes in Danish."""

    welcome_title: str
    welcome_text: str
    welcome_examples: tuple[str, ...] = Field(min_length=1)
    help_title: str
    help_text: str
    help_commands: tuple[HelpCommand, ...]
    help_examples: tuple[str, ...]
    fallback_text: str
    fallback_hint: str
    fallback_suggestions: str
    fallback_scope: str
    hedge_lead: str
    empty_text: str
    unknown_maalsaetning: str
    unknown_pejlemaerke: str
    invalid_submit: str
    feedback_thanks_up: str
    feedback_thanks_down: str
    error_generic: str
    cpr_question: str
    data_quarantined: str
    too_long: str
    label_pejlemaerke: str
    label_maalsaetninger: str
    label_noegleord: str
    label_about: str
    label_source: str
    label_related: str
    label_helpful: str
    label_yes: str
    label_no: str
    label_general: str
    label_also: str
    label_all_pejlemaerker: str
    label_all_maalsaetninger: str
    label_all_noegleord: str
    label_used_in: str
    used_in_maalsaetning: str
    used_in_pejlemaerke: str
    used_in_noegleord: str
    own_meeting_title: str
    own_meeting: str
    own_focus_one: str
    own_focus_many: str
    label_questions: str
    and_word: str
    own_meeting_none: str
    own_status_title: str
    own_status: str
    own_status_answered: str
    own_status_missing: str
    own_status_none: str
    label_show_pejlemaerke: str
    label_show_maalsaetning: str
    about_title: str
    list_pejlemaerker_intro: str
    list_maalsaetninger_intro: str
    list_noegleord_intro: str
    noegleord_intro: str
    source_line: str


class EnglishMessages(_Strict):
    """The English frame around Danish official wording."""

    frame_maalsaetning: str
    frame_pejlemaerke: str
    frame_term: str
    frame_noegleord: str
    frame_fact: str
    frame_list: str
    fallback_text: str
    fallback_hint: str
    fallback_suggestions: str
    fallback_scope: str
    hedge_lead: str
    unknown_maalsaetning: str
    unknown_pejlemaerke: str
    label_source: str
    label_helpful: str
    label_yes: str
    label_no: str
    label_related: str


class Messages(_Strict):
    da: DanishMessages
    en: EnglishMessages


class Command(_Strict):
    """A command: whole messages that are it (aliases) and free phrasings of it."""

    intent: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    phrasings: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()  # "slet udvalg <navn>": the rest is the argument
    # A prefix only counts when the argument matches this pattern ("status 2.3 gul" is a
    # status; "status april 2024" is a question).
    argument_pattern: str | None = None
    answerable: bool = True  # the Q&A answerer may also find it from free phrasings

    @field_validator("argument_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _has_a_trigger(self) -> Self:
        if not self.aliases and not self.prefixes:
            raise ValueError(f"command {self.intent}: needs aliases or prefixes")
        return self


class Intents(_Strict):
    commands: tuple[Command, ...]


class SmallTalkTopic(_Strict):
    """Greetings, thanks, "hvem er du?": whole messages that are small talk, and the reply."""

    id: str = Field(min_length=1)
    phrasings: tuple[str, ...] = Field(min_length=1)
    reply: str = Field(min_length=1)


class OwnWorkTopic(_Strict):
    """Questions about the asker's own meetings or status round, answered from their data."""

    id: Literal["meeting", "status"]
    phrasings: tuple[str, ...] = Field(min_length=1)


class Conversation(_Strict):
    """What the bot says outside the strategy itself (``conversation.yaml``)."""

    smalltalk: tuple[SmallTalkTopic, ...] = Field(min_length=1)
    own_work: tuple[OwnWorkTopic, ...] = Field(min_length=1)


class ReminderTexts(_Strict):
    """Texts of the meeting reminders."""

    agenda_item: str
    title: str
    meeting_line: str
    agenda_label: str
    agenda_text: str
    focus_label: str
    questions_label: str
    questions: tuple[str, ...] = Field(min_length=2, max_length=3)
    reason_new: str
    reason_priority: str
    reason_repeat: str
    omu_summary: str
    omu_focus: str
    omu_none: str
    button_ack: str
    button_snooze: str
    button_moved: str
    button_show: str
    ack_done: str
    snooze_done: str
    moved_prompt: str
    preview_empty: str
    preview_title: str
    preview_line: str
    form_title: str
    form_edit_title: str
    form_name: str
    form_name_placeholder: str
    form_kind: str
    form_schedule: str
    form_schedule_placeholder: str
    form_lead_days: str
    form_remind_chair: str
    form_save: str
    form_hint: str
    error_name: str
    error_schedule: str
    error_name_taken: str
    error_kind: str
    error_lead_days: str
    error_no_meetings: str
    error_no_recipient: str
    saved: str
    saved_now: str
    saved_no_reminder: str
    deleted: str
    not_found: str
    not_allowed: str
    linked: str
    link_in_channel: str
    mine_title: str
    mine_none: str
    mine_line: str
    mine_no_meeting: str
    paused: str
    pause_usage: str
    moved_title: str
    moved_date: str
    moved_time: str
    moved_move: str
    moved_cancel: str
    meeting_moved: str
    meeting_cancelled: str
    error_past: str
    error_date: str
    unknown_meeting: str
    deactivated: str
    deactivated_personal: str
    deactivated_channel: str
    trio_joined: str
    trio_left: str
    trio_personal_only: str


class StatusLabel(_Strict):
    """How one status is shown and typed: its label, a colour word and other words for it."""

    label: str
    emoji: str
    aliases: tuple[str, ...] = ()


class StatusTexts(_Strict):
    """Texts of status rounds, and the units leaders choose from."""

    statuses: dict[Status, StatusLabel]
    units: tuple[str, ...] = Field(min_length=1)
    parse_errors: dict[str, str]
    import_errors: dict[str, str]
    card_title: str
    card_intro: str
    card_page: str
    card_late: str
    card_privacy: str
    card_submit: str
    card_text_hint: str
    form_status: str
    form_status_placeholder: str
    form_comment_placeholder: str
    form_next_placeholder: str
    next_step_label: str
    saved: str
    saved_late: str
    saved_edit_hint: str
    cpr_refused: str
    error_no_status: str
    error_too_long: str
    error_empty: str
    unknown_round: str
    unknown_round_name: str
    not_recipient: str
    no_round: str
    no_round_for: str
    nothing_to_edit: str
    personal_only: str
    admin_only: str
    register_title: str
    register_intro: str
    register_unit: str
    register_other: str
    register_new_unit: str
    register_new_unit_placeholder: str
    register_submit: str
    error_unit: str
    registered: str
    registered_rounds: str
    unregistered: str
    not_leader: str
    round_title: str
    round_name: str
    season_spring: str
    season_autumn: str
    round_scope: str
    round_scope_all: str
    round_scope_priorities: str
    round_scope_chosen: str
    round_goals: str
    round_units: str
    round_deadline: str
    round_hint: str
    round_submit: str
    error_round_name: str
    error_round_taken: str
    error_no_priorities: str
    error_goals: str
    error_deadline: str
    error_no_leaders: str
    round_opened: str
    round_unreachable: str
    nudge: str
    nudge_button: str
    overview_title: str
    overview_line: str
    overview_missing: str
    overview_unreachable: str
    overview_report: str
    no_rounds: str
    report_none_own: str
    note_title: str
    note_intro: str
    note_discussed: str
    note_points: str
    note_points_placeholder: str
    note_submit: str
    note_saved: str
    error_note_goals: str
    error_note_lines: str
    delete_title: str
    delete_intro: str
    delete_toggle: str
    delete_button: str

    @model_validator(mode="after")
    def _every_status(self) -> Self:
        missing = set(Status) - set(self.statuses)
        if missing:
            raise ValueError(f"statuses: missing {sorted(missing)}")
        return self

    def label(self, status: Status) -> str:
        """The Danish label of a status ("På sporet")."""
        return self.statuses[status].label


class MyDataTexts(_Strict):
    """Texts of "mine data" and "slet mine data"."""

    title: str
    leader: str
    reply: str
    notes: str
    notes_deleted: str
    chair: str
    trio: str
    chat: str
    anonymous: str
    delete_hint: str
    nothing: str
    deleted: str
    still_chair: str
    not_confirmed: str


class Content(_Strict):
    """All content, cross-checked."""

    strategy: Strategy
    facts: tuple[Fact, ...]
    terms: tuple[Term, ...]
    messages: Messages
    commands: tuple[Command, ...]
    conversation: Conversation
    reminders: ReminderTexts
    status: StatusTexts
    report: ReportTexts
    mydata: MyDataTexts

    @model_validator(mode="after")
    def _check_cross_references(self) -> Self:
        term_ids = [t.id for t in self.terms]
        if len(set(term_ids)) != len(term_ids):
            raise ValueError("glossary: term ids must be unique")
        fact_ids = [f.id for f in self.facts]
        if len(set(fact_ids)) != len(fact_ids):
            raise ValueError("facts: ids must be unique")
        for n in self.strategy.noegleord:
            if n.term is not None and n.term not in term_ids:
                raise ValueError(f"noegleord {n.id}: unknown glossary term {n.term}")
        return self

    def term(self, ident: str) -> Term | None:
        """The glossary term with this id, if any."""
        return next((t for t in self.terms if t.id == ident), None)

    def fact(self, ident: str) -> Fact | None:
        """The fact with this id, if any."""
        return next((f for f in self.facts if f.id == ident), None)

    def noegleord(self, ident: str) -> Noegleord | None:
        """The nøgleord with this id, if any."""
        return next((n for n in self.strategy.noegleord if n.id == ident), None)
