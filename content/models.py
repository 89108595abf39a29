"""Pydantic models for the content files in ``content/data``.

Cross-references (a målsætning's pejlemærke, a nøgleord's glossary term) are checked when
the whole :class:`Content` is built, so a broken file stops start-up. The bot's texts declare
the ``{placeholders}`` the code fills in (:mod:`content.templates`), checked when loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from content.report_texts import ReportTexts
from content.templates import NO_PLACEHOLDERS, CheckedTexts, Keys, Placeholders

_MAALSAETNING_ID = re.compile(r"^[1-9]\.[1-9]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Texts(_Strict, CheckedTexts):
    """Texts the bot writes: placeholders as declared, none where nothing is declared."""


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


Audience = Literal["everyone", "chair", "leader", "admin"]


class HelpLine(_Texts):
    """One line of ``hjælp`` about a command: who sees it, what to type (an example), what it
    does, and the same in English (``help``)."""

    audience: Audience
    command: str = Field(min_length=1)
    text: str = Field(min_length=1)
    command_en: str = Field(min_length=1)
    text_en: str = Field(min_length=1)


class HelpTexts(_Texts):
    """``hjælp``: a title, one line on asking, the part for everyone and a section per role the
    user has (opened with a button); a how-to answer's heading."""

    title: str
    intro: str
    everyone: str
    chair: str
    leader: str
    admin: str
    admin_cli: str  # what the command line on the server adds (``python -m bot``)
    howto_title: str


class HttpErrorTexts(_Texts):
    """Why ``/api/messages`` refused a request (the body of a 4xx), the command line's
    refusal while the bot holds the data file, and why the bot refused to start."""

    content_type: str
    too_large: str
    invalid_json: str
    not_activity: str
    no_conversation: str
    bad_conversation: str
    unreadable_activity: str
    unauthorized: str
    request_timeout: str  # 408: headers or body not sent in HTTP_READ_TIMEOUT
    busy: Annotated[str, Placeholders("seconds")]  # 503 beyond MAX_CONCURRENT_REQUESTS
    clock_usage: str
    clock_not_settable: str
    store_busy: str
    service_url_not_local: str
    open_door: Annotated[str, Placeholders("host")]  # start-up refusal, printed by python -m bot


class UnansweredReportTexts(_Texts):
    """``python -m bot questions``: the unanswered questions, grouped."""

    none: str
    one_question: str
    questions: Annotated[str, Placeholders("count")]
    one_group: str
    groups: Annotated[str, Placeholders("count")]
    title: Annotated[str, Placeholders("questions", "groups")]
    column_count: str
    column_latest: str
    column_reason: str
    column_question: str
    reason_fallback: str
    reason_thumbs_down: str
    teach: str  # after the list: how to teach the bot a question's answer


class DanishMessages(_Texts):
    """Every text the bot writes in Danish."""

    errors: HttpErrorTexts
    unanswered_report: UnansweredReportTexts

    welcome_title: str
    welcome_text: str
    welcome_examples: tuple[str, ...] = Field(min_length=1)
    welcome_group: str  # the one post in a channel or group chat: @mention the bot
    help: HelpTexts
    help_examples: tuple[str, ...]
    fallback_text: str
    fallback_hint: str
    fallback_suggestions: str
    fallback_scope: str
    hedge_lead: Annotated[str, Placeholders("subject")]
    empty_text: str
    unknown_maalsaetning: Annotated[str, Placeholders("ref")]
    unknown_pejlemaerke: Annotated[str, Placeholders("ref")]
    invalid_submit: str
    feedback_thanks_up: str
    feedback_thanks_down: str
    error_generic: str
    too_fast: str  # a user sending more turns a second than the bot takes (one reply)
    needs_teams_identity: str
    other_tenant: str
    cpr_question: str
    cpr_field: Annotated[str, Placeholders("field")]
    cpr_lookup: Annotated[str, Placeholders("field")]
    cpr_message: str
    cpr_option: Annotated[str, Placeholders("option")]
    data_quarantined: Annotated[str, Placeholders("files")]
    too_long: Annotated[str, Placeholders("limit")]
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
    used_in_maalsaetning: Annotated[str, Placeholders("id", "number", "text")]
    used_in_pejlemaerke: Annotated[str, Placeholders("number", "name")]
    used_in_noegleord: Annotated[str, Placeholders("number", "text")]
    own_meeting_title: str
    own_meeting: Annotated[str, Placeholders("committee", "when", "number", "focus")]
    own_focus_one: Annotated[str, Placeholders("ids")]
    own_focus_many: Annotated[str, Placeholders("ids")]
    label_questions: str
    and_word: str
    own_meeting_none: str
    own_status_title: str
    own_status: Annotated[str, Placeholders("round", "deadline")]
    own_status_answered: str
    own_status_missing: str
    own_status_none: str
    label_show_pejlemaerke: Annotated[str, Placeholders("number", "name")]  # not used yet
    label_show_maalsaetning: Annotated[str, Placeholders("id")]
    about_title: str
    list_pejlemaerker_intro: str
    list_maalsaetninger_intro: str
    list_noegleord_intro: Annotated[str, Placeholders("count")]
    noegleord_intro: Annotated[str, Placeholders("text", "number", "name")]
    source_line: Annotated[str, Placeholders("source")]  # not used yet
    vote_up: str
    vote_down: str
    vote_line: Annotated[str, Placeholders("vote", "name", "when")]
    vote_line_anonymous: Annotated[str, Placeholders("vote", "when")]
    suggest_next_maalsaetning: str
    suggest_pejlemaerke: str
    suggest_next_pejlemaerke: str
    suggest_first_maalsaetning: str
    search_noegleord: Annotated[str, Placeholders("number", "name")]
    search_about: str


class EnglishMessages(_Texts):
    """The English frame around Danish official wording."""

    frame_maalsaetning: Annotated[str, Placeholders("id")]
    frame_pejlemaerke: Annotated[str, Placeholders("number", "name", "english")]
    frame_term: str
    frame_noegleord: Annotated[str, Placeholders("number", "english")]
    frame_fact: str
    frame_list: str
    help: HelpTexts
    fallback_text: str
    fallback_hint: str
    fallback_suggestions: str
    fallback_scope: str
    hedge_lead: Annotated[str, Placeholders("subject")]
    unknown_maalsaetning: Annotated[str, Placeholders("ref")]
    unknown_pejlemaerke: Annotated[str, Placeholders("ref")]
    label_source: str
    label_helpful: str
    label_yes: str
    label_no: str
    label_related: str
    vote_line: Annotated[str, Placeholders("vote", "name", "when")]
    vote_line_anonymous: Annotated[str, Placeholders("vote", "when")]
    suggest_next_maalsaetning: str
    suggest_pejlemaerke: str
    suggest_next_pejlemaerke: str
    suggest_first_maalsaetning: str


class Messages(_Texts):
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
    english: tuple[str, ...] = ()  # those aliases that ask for the answer in English ("help")
    # "hvordan opretter jeg et udvalg?": whole messages answered with how to use the command
    # (``explain``) and a button that runs it.
    howto: tuple[str, ...] = ()
    explain: str = ""
    help: tuple[HelpLine, ...] = ()  # its lines in ``hjælp``, by audience

    @field_validator("explain")
    @classmethod
    def _no_placeholders(cls, value: str) -> str:
        if problem := NO_PLACEHOLDERS.problem(value):
            raise ValueError(problem)
        return value

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
        if not set(self.english) <= set(self.aliases):
            raise ValueError(f"command {self.intent}: english lists only some of its aliases")
        if self.howto and not (self.explain and self.help):
            raise ValueError(f"command {self.intent}: howto needs explain and help lines")
        return self


class Intents(_Strict):
    commands: tuple[Command, ...]


class SmallTalkTopic(_Texts):
    """Greetings, thanks, "hvem er du?": whole messages that are small talk, and the reply."""

    id: str = Field(min_length=1)
    phrasings: tuple[str, ...] = Field(min_length=1)
    reply: str = Field(min_length=1)


class OwnWorkTopic(_Texts):
    """Questions about the asker's own meetings or status round, answered from their data."""

    id: Literal["meeting", "status"]
    phrasings: tuple[str, ...] = Field(min_length=1)


class Conversation(_Texts):
    """What the bot says outside the strategy itself (``conversation.yaml``)."""

    smalltalk: tuple[SmallTalkTopic, ...] = Field(min_length=1)
    own_work: tuple[OwnWorkTopic, ...] = Field(min_length=1)
    # Words the answerer reads but never answers: how a practice question is framed
    # ("hvordan kan vi i praksis"), and topics outside the strategy ("løn*" is a prefix).
    practice_frames: tuple[str, ...] = ()
    off_topics: tuple[str, ...] = ()


# The codes of scheduler.calendar.ScheduleError and the params each carries; {examples} is
# ReminderTexts.schedule_examples, filled in by ReminderTexts.schedule_error.
SCHEDULE_ERRORS = Keys(
    no_schedule=Placeholders("examples"),
    not_understood=Placeholders("examples"),
    part_not_understood=Placeholders("part", "examples"),
    no_meetings=Placeholders("text", "examples"),
    ends_before_start=Placeholders("text"),
    unknown_weekday=Placeholders("word", "suggestion"),
    unknown_month=Placeholders("word", "suggestion"),
    no_weekday=Placeholders("text"),
    no_time=Placeholders("text"),
    invalid_time=Placeholders("time"),
    invalid_month=Placeholders("date"),
    no_such_day=Placeholders("date", "month", "days"),
    no_such_day_in_year=Placeholders("date", "month", "year", "days"),
    no_such_february_day=Placeholders("date"),
    invalid_date=Placeholders("date"),
    no_date=Placeholders(),
    date_not_understood=Placeholders("text"),
    clause_date_not_understood=Placeholders("clause"),
    wrong_weekday=Placeholders("date", "weekday", "written", "time"),
    date_in_past=Placeholders("date", "example", "time"),
    days_not_whole_weeks=Placeholders("count"),
    weeks_out_of_range=Placeholders("weeks", "max_weeks"),
    monthday_too_late=Placeholders("day"),
    not_a_calendar=Placeholders(),
    unreadable_event=Placeholders(),
    schedule_too_long=Placeholders("length", "limit"),
    date_too_far=Placeholders("date", "latest"),
)


class ReminderCommandTexts(_Texts):
    """What the reminder commands of ``python -m bot`` print."""

    preview_line: Annotated[str, Placeholders("send", "committee", "meeting", "recipient", "ids")]
    unknown_committee: Annotated[str, Placeholders("name")]
    unreadable_calendar: Annotated[str, Placeholders("reason")]
    meetings_imported: Annotated[str, Placeholders("count", "name")]
    too_many_meetings: Annotated[str, Placeholders("count", "limit", "name")]
    unknown_goals: Annotated[str, Placeholders("ids")]
    priorities: Annotated[str, Placeholders("ids")]
    no_priorities: str


class ReminderTexts(_Texts):
    """Texts of the meeting reminders."""

    cli: ReminderCommandTexts

    agenda_item: str
    title: Annotated[str, Placeholders("committee")]
    meeting_line: Annotated[str, Placeholders("when")]
    agenda_label: str
    agenda_focus: Annotated[str, Placeholders("number", "name", "ids")]
    focus_label: str
    questions_label: str
    # Each question is given {first}, the first målsætning in focus; not all use it.
    questions: Annotated[tuple[str, ...], Placeholders(optional=["first"])] = Field(
        min_length=2, max_length=3
    )
    reason_new: Annotated[str, Placeholders("ids")]
    reason_priority: Annotated[str, Placeholders("ids")]
    reason_repeat: Annotated[str, Placeholders("ids")]
    omu_summary: Annotated[str, Placeholders("acked", "total")]
    omu_focus: Annotated[str, Placeholders("ids")]
    omu_none: str
    button_ack: str
    button_snooze: str
    button_snooze_hours: Annotated[str, Placeholders("hours")]
    button_details: str
    button_moved: str
    button_show: Annotated[str, Placeholders("id")]
    ack_done: Annotated[str, Placeholders("committee", "when")]
    snooze_done: Annotated[str, Placeholders("when")]
    snooze_too_late: Annotated[str, Placeholders("when")]
    no_snooze_today: Annotated[str, Placeholders("time")]
    no_snooze: Annotated[str, Placeholders("when")]
    ack_state: Annotated[str, Placeholders("name", "at")]
    snooze_state: Annotated[str, Placeholders("when", "name", "at")]
    someone: str
    # A number and its noun, for dialogs.text.plural: the form for 1, and for any other.
    meeting_one: str
    meeting_many: str
    upcoming_one: str
    upcoming_many: str
    lmu_one: str
    lmu_many: str
    hour_one: str
    hour_many: str
    moved_prompt: Annotated[str, Placeholders("committee", "date")]  # not used yet
    preview_empty: Annotated[str, Placeholders("days")]
    preview_title: str
    preview_line: Annotated[str, Placeholders("send", "committee", "meeting", "ids")]
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
    form_hint: Annotated[str, Placeholders("name")]
    form_hint_new: Annotated[str, Placeholders("example")]
    error_name: str
    error_schedule: str
    error_name_taken: Annotated[str, Placeholders("name")]
    field_committee: str
    field_date: str
    error_kind: str
    error_lead_days: str
    error_no_meetings: str
    error_no_recipient: Annotated[str, Placeholders("name")]
    error_too_many_meetings: Annotated[str, Placeholders("count", "limit")]
    error_too_many_committees: Annotated[str, Placeholders("limit")]
    saved: Annotated[str, Placeholders("name", "count", "first")]
    saved_now: Annotated[str, Placeholders("name", "count", "when")]
    saved_no_reminder: Annotated[str, Placeholders("name", "count")]
    deleted: Annotated[str, Placeholders("name")]
    delete_title: Annotated[str, Placeholders("name")]
    delete_what: Annotated[str, Placeholders("meetings")]
    delete_channel: str
    delete_confirm_button: str
    delete_keep_button: str
    deleted_state: Annotated[str, Placeholders("name", "by", "at")]
    kept: Annotated[str, Placeholders("name")]
    delete_gone: str
    not_found: Annotated[str, Placeholders("name")]
    not_allowed: Annotated[str, Placeholders("name")]
    linked: Annotated[str, Placeholders("name")]
    link_in_channel: Annotated[str, Placeholders("name")]
    mine_title: str
    mine_none: str
    mine_line: Annotated[str, Placeholders("name", "kind", "next")]
    mine_no_meeting: str
    mine_paused: Annotated[str, Placeholders("line", "date")]
    paused: Annotated[str, Placeholders("names", "date")]
    preview_paused: Annotated[str, Placeholders("name", "date")]
    resumed: Annotated[str, Placeholders("names")]
    resume_none: str
    pause_usage: str
    moved_title: Annotated[str, Placeholders("when")]
    moved_date: str
    moved_time: str
    moved_move: str
    moved_cancel: str
    meeting_moved: Annotated[str, Placeholders("when")]
    meeting_cancelled: Annotated[str, Placeholders("when")]
    error_past: str
    error_date: str
    unknown_meeting: str
    deactivated: Annotated[str, Placeholders("name", "where", "status")]
    deactivated_personal: str
    deactivated_channel: str
    trio_joined: Annotated[str, Placeholders("name")]
    trio_left: Annotated[str, Placeholders("name")]
    trio_personal_only: str
    trio_requested: Annotated[str, Placeholders("name")]
    trio_member: Annotated[str, Placeholders("name")]
    trio_waiting: Annotated[str, Placeholders("name")]
    trio_is_chair: Annotated[str, Placeholders("name")]
    trio_request_title: str
    trio_request: Annotated[str, Placeholders("person", "name")]
    trio_request_hint: str
    trio_approve_button: str
    trio_reject_button: str
    trio_approved: Annotated[str, Placeholders("person", "name")]
    trio_rejected: Annotated[str, Placeholders("person", "name")]
    trio_request_closed: str
    trio_refused: Annotated[str, Placeholders("name")]
    not_member: Annotated[str, Placeholders("name")]
    schedule_examples: str
    schedule_errors: Annotated[dict[str, str], SCHEDULE_ERRORS]

    def schedule_error(self, code: str, params: Mapping[str, str]) -> str:
        """The Danish message of a ``ScheduleError`` (the calendar itself has no user texts)."""
        return self.schedule_errors[code].format_map({**params, "examples": self.schedule_examples})


class Status(StrEnum):
    """A leader's status for one målsætning (labels in ``data/status.yaml``)."""

    ON_TRACK = "paa_sporet"
    PARTLY = "delvist"
    NOT_STARTED = "ikke_i_gang"
    NOT_RELEVANT = "ikke_relevant"

    @property
    def score(self) -> int | None:
        """2 on track, 1 partly, 0 not started; None when not relevant (left out of trends)."""
        return {"paa_sporet": 2, "delvist": 1, "ikke_i_gang": 0}.get(self.value)


class StatusLabel(_Texts):
    """How one status is shown and typed: its label, a colour word and other words for it."""

    label: str
    emoji: str
    aliases: tuple[str, ...] = ()


# The codes of dialogs.status.parse.StatusParseError and their params (``field`` is passed
# too, "comment" or "next_step", for a text that wants to say which one is too long).
PARSE_ERRORS = Keys(
    empty=Placeholders(),
    missing_goal=Placeholders(),
    unknown_goal=Placeholders("id"),
    missing_status=Placeholders("id"),
    comment_too_long=Placeholders("length", "limit", optional=["field"]),
)
# The codes of dialogs.status.leaders_csv.RowError and their params.
IMPORT_ERRORS = Keys(
    empty_file=Placeholders(),
    missing_columns=Placeholders("missing"),
    missing_id=Placeholders(),
    invalid_id=Placeholders("column"),
    conflicting_ids=Placeholders(),
    missing_unit=Placeholders(),
    too_long=Placeholders("column", "limit"),
    duplicate=Placeholders("kept_row"),
    cpr=Placeholders("column"),
)


class StatusCommandTexts(_Texts):
    """What the status commands of ``python -m bot`` print."""

    unreadable_file: Annotated[str, Placeholders("file", "reason")]
    row_error: Annotated[str, Placeholders("row", "message")]
    imported: Annotated[str, Placeholders("leaders", "skipped")]
    row_one: str
    row_many: str
    round_opened: Annotated[str, Placeholders("name", "leaders", "goals", "deadline")]
    no_rounds: str
    round_line: Annotated[str, Placeholders("name", "deadline", "answered", "total")]
    unknown_round: Annotated[str, Placeholders("name")]
    report_saved: Annotated[str, Placeholders("file")]


class StatusTexts(_Texts):
    """Texts of status rounds, and the units leaders choose from."""

    cli: StatusCommandTexts

    statuses: dict[Status, StatusLabel]
    units: tuple[str, ...] = Field(min_length=1)
    parse_errors: Annotated[dict[str, str], PARSE_ERRORS]
    import_errors: Annotated[dict[str, str], IMPORT_ERRORS]
    card_title: Annotated[str, Placeholders("round")]
    card_intro: str
    card_deadline: str
    card_here: str
    card_page: Annotated[str, Placeholders("page", "pages", "ids")]
    card_one_page: Annotated[str, Placeholders("ids")]
    card_progress: str
    card_progress_value: Annotated[str, Placeholders("answered", "goals")]
    card_details: str
    card_late: str
    card_privacy: str
    card_submit: str
    card_text_hint: str
    goal_one: str
    goal_many: str
    leader_one: str
    leader_many: str
    form_status_placeholder: str
    form_comment_placeholder: str
    form_next_placeholder: str
    next_step_label: str
    saved: Annotated[str, Placeholders("round", "goals")]
    saved_late: str
    saved_leader: str
    saved_at: str
    saved_next_page: Annotated[str, Placeholders("page", "pages")]
    saved_edit_hint: str
    saved_edit_button: str
    edit_command: str
    cpr_round: Annotated[str, Placeholders("field")]
    field_comment: str
    field_next_step: str
    field_units: str
    field_points: str
    field_round: str
    cpr_card_one: Annotated[str, Placeholders("field", "id", "button")]
    cpr_card_many: Annotated[str, Placeholders("fields", "button")]
    cpr_card_field: Annotated[str, Placeholders("field", "id")]
    cpr_typed: Annotated[str, Placeholders("field", "id")]
    error_no_status: Annotated[str, Placeholders("id")]
    error_too_long: Annotated[str, Placeholders("id", "limit")]
    error_empty: str
    unknown_round: str
    unknown_round_name: Annotated[str, Placeholders("name")]
    not_recipient: Annotated[str, Placeholders("round")]
    no_round: str
    no_round_for: Annotated[str, Placeholders("id")]
    nothing_to_edit: Annotated[str, Placeholders("round")]
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
    error_new_unit_missing: str
    error_unit_long: Annotated[str, Placeholders("limit")]
    registered: Annotated[str, Placeholders("unit")]
    registered_rounds: Annotated[str, Placeholders("names")]
    leader_requested: Annotated[str, Placeholders("unit")]
    leader_unchanged: Annotated[str, Placeholders("unit")]
    leader_moved: Annotated[str, Placeholders("unit")]
    leader_waiting: Annotated[str, Placeholders("unit")]
    leader_request_title: str
    leader_request: Annotated[str, Placeholders("name", "unit")]
    leader_request_hint: str
    leader_approve_button: str
    leader_reject_button: str
    leader_approved: Annotated[str, Placeholders("name", "unit")]
    leader_rejected: Annotated[str, Placeholders("name", "unit")]
    leader_request_closed: str
    you_are_leader: Annotated[str, Placeholders("unit")]
    you_are_not_leader: Annotated[str, Placeholders("unit")]
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
    error_round_name_long: Annotated[str, Placeholders("limit")]
    error_round_taken: Annotated[str, Placeholders("name")]
    error_no_priorities: str
    error_goals: str
    error_unknown_goals: Annotated[str, Placeholders("ids")]
    error_deadline: str
    error_no_leaders: str
    round_opened: Annotated[str, Placeholders("name", "sent", "deadline")]
    round_unreachable: Annotated[str, Placeholders("count", "names")]
    nudge: Annotated[str, Placeholders("round", "deadline", "answered", "total")]
    nudge_button: str
    overview_title: str
    overview_line: Annotated[str, Placeholders("name", "deadline", "answered", "total", "late")]
    overview_missing: Annotated[str, Placeholders("names")]
    overview_unreachable: Annotated[str, Placeholders("names")]
    overview_report: Annotated[str, Placeholders("name")]
    no_rounds: str
    report_none_own: str
    note_title: Annotated[str, Placeholders("committee")]
    note_intro: Annotated[str, Placeholders("committee", "when")]
    note_discussed: str
    note_points: str
    note_points_placeholder: str
    note_submit: str
    note_saved: Annotated[str, Placeholders("committee", "ids")]
    error_note_goals: str
    error_note_lines: str

    @model_validator(mode="after")
    def _every_status(self) -> Self:
        missing = set(Status) - set(self.statuses)
        if missing:
            raise ValueError(f"statuses: missing {sorted(missing)}")
        return self

    def label(self, status: Status) -> str:
        """The Danish label of a status ("På sporet")."""
        return self.statuses[status].label


class MyDataTexts(_Texts):
    """Texts of "mine data" and "slet mine data"."""

    title: str
    leader: Annotated[str, Placeholders("unit", "name")]
    leader_pending: Annotated[str, Placeholders("unit", "name")]
    reply: Annotated[str, Placeholders("round", "count", "date")]
    notes: Annotated[str, Placeholders("count")]
    notes_deleted: Annotated[str, Placeholders("count")]
    goal_one: str
    goal_many: str
    note_one: str
    note_many: str
    chair: Annotated[str, Placeholders("name")]
    trio: Annotated[str, Placeholders("name")]
    trio_pending: Annotated[str, Placeholders("name")]
    chat: str
    anonymous: str
    delete_hint: str
    nothing: str
    deleted: str
    still_chair: Annotated[str, Placeholders("names")]
    not_confirmed: str
    delete_title: str
    delete_intro: str
    delete_toggle: str
    delete_unticked: str  # shown by Teams at the box when the form is sent without a tick
    delete_button: str
    questions: Annotated[str, Placeholders("questions", "feedback")]
    sent_privately: str
    no_personal_chat: str


class ExpertTexts(_Texts):
    """Texts of »Spørg en fagperson« and supplementary answers (``experts.yaml``)."""

    connect_in_channel: str
    connect_not_admin: str
    connected: str
    ask_button: str
    ask_intro: str
    ask_note_label: str
    ask_note_placeholder: str
    ask_send: str
    field_question: str
    field_note: str
    field_answer: str
    sent: str
    already_sent: str
    not_connected: str
    unreachable: str
    question_title: Annotated[str, Placeholders("name")]
    someone: str
    asked_at: Annotated[str, Placeholders("when")]
    label_question: str
    label_note: str
    label_attempt: str
    attempt_fallback: str
    attempt_thumbs_down: Annotated[str, Placeholders("subject")]
    answer_button: str
    close_button: str
    answer_label: str
    answer_placeholder: str
    publish_label: str
    send_answer: str
    publish_button: str
    label_answer: str
    answered_by: Annotated[str, Placeholders("name", "when")]
    closed_by: Annotated[str, Placeholders("name", "when")]
    published_by: Annotated[str, Placeholders("name", "when")]
    withdrawn_state: str
    answer_empty: str
    answer_too_long: Annotated[str, Placeholders("limit")]
    not_expert_channel: str
    unknown_question: str
    not_answered_yet: str
    answer_title: Annotated[str, Placeholders("name")]
    answer_to: Annotated[str, Placeholders("question")]
    answer_footer: str
    closed_to_asker: Annotated[str, Placeholders("question")]
    supplement_label: Annotated[str, Placeholders("name", "date")]
    supplement_asked: Annotated[str, Placeholders("question")]
    supplements_title: str
    supplements_intro: str
    supplements_none: str
    supplement_line: Annotated[str, Placeholders("question", "name", "date")]
    withdraw_button: Annotated[str, Placeholders("question")]
    withdrawn: Annotated[str, Placeholders("question")]
    already_withdrawn: str
    not_admin: str
    digest_title: str
    digest_intro: Annotated[str, Placeholders("count", "days")]
    digest_line: Annotated[str, Placeholders("question", "name", "date")]
    held_questions: Annotated[str, Placeholders("count")]
    held_answers: Annotated[str, Placeholders("count")]


# What an example may be labelled with besides an entry of the strategy, the facts or the
# glossary: the replies that are not an entry.
EXAMPLE_REPLIES = frozenset({"fallback", "unknown", "smalltalk", "help", "about"})


class Example(_Strict):
    """A question as an employee asked it, labelled with the answer it should get.

    The answerer reads phrasings from the examples (see ``dialogs/qa/examples.py``); the
    quality bench scores each set with its own examples left out."""

    source: str = Field(min_length=1)  # the file it comes from ("dev", "a" …)
    q: str = Field(min_length=1)
    expect: tuple[str, ...] = Field(min_length=1)  # the first is the answer it teaches
    category: str = Field(min_length=1)
    context: tuple[str, ...] = ()  # questions asked before it in the same chat

    @field_validator("expect", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


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
    experts: ExpertTexts
    examples: tuple[Example, ...] = ()

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
        known = self.answer_ids()
        for example in self.examples:
            unknown = [e for e in example.expect if e not in known]
            if unknown:
                raise ValueError(
                    f"examples/{example.source}.yaml: {example.q!r} expects unknown {unknown[0]}"
                )
        return self

    def answer_ids(self) -> frozenset[str]:
        """Every answer a question can get, as an id: ``maalsaetning:2.3``, ``term:lmu``,
        ``own:meeting``, ``list:noegleord``, ``fallback`` …"""
        strategy = self.strategy
        return frozenset(
            {
                *(f"maalsaetning:{m.id}" for m in strategy.maalsaetninger),
                *(f"pejlemaerke:{p.number}" for p in strategy.pejlemaerker),
                *(f"noegleord:{n.id}" for n in strategy.noegleord),
                *(f"term:{t.id}" for t in self.terms),
                *(f"fact:{f.id}" for f in self.facts),
                *(f"own:{t.id}" for t in self.conversation.own_work),
                *(f"list:{c.intent.removeprefix('list_')}" for c in self.commands
                  if c.intent.startswith("list_")),
                "section:samarbejde",
                *EXAMPLE_REPLIES,
            }
        )  # fmt: skip

    def term(self, ident: str) -> Term | None:
        """The glossary term with this id, if any."""
        return next((t for t in self.terms if t.id == ident), None)

    def fact(self, ident: str) -> Fact | None:
        """The fact with this id, if any."""
        return next((f for f in self.facts if f.id == ident), None)

    def noegleord(self, ident: str) -> Noegleord | None:
        """The nøgleord with this id, if any."""
        return next((n for n in self.strategy.noegleord if n.id == ident), None)
