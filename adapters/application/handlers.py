"""The handlers: one plain function per recording command, and the table that
maps each command to its handler.

A handler takes a validated command and a unit of work: it loads the
aggregates the command touches, lets the domain check its rules and record
its events, and returns a sentence saying what it did. It never saves: the
unit of work commits (``service``). Every way into the record (the command
line, the importers, the demonstration, the benchmarks' generator) sends
commands through ``COMMAND_HANDLERS``, and nothing else records events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from registre import domain
from registre.adapters.application import commands as c
from registre.adapters.application.unit_of_work import UnitOfWork
from registre.adapters.stores.personal_data import Personal
from registre.domain.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    RuleViolation,
    Unchanged,
)
from registre.domain.ids import programme_id
from registre.domain.kinds import OrganisationType, Status
from registre.domain.programme import Programme

# The aggregates are named through the package (``domain.Proposal``), which
# imports each one when a handler first asks for it: a process that records
# one command declares the event classes of the aggregates it touches only.
Handler = Callable[[Any, UnitOfWork], str]


# -- programme -----------------------------------------------------------------


def open_programme(cmd: c.OpenProgramme, u: UnitOfWork) -> str:
    if u.load(programme_id(cmd.programme)) is not None:
        raise AlreadyExists(f"programme {cmd.programme!r} is already open in this store")
    within = ""
    if cmd.part_of is not None and cmd.part_of != cmd.programme:
        larger = u.load(programme_id(cmd.part_of))
        if not isinstance(larger, Programme) or larger.void:
            raise NotFound(
                f"no programme {cmd.part_of!r} in this store to be part of; open it first",
                field="part_of",
            )
        within = f", part of {cmd.part_of}"
    u.add(
        Programme.open(
            cmd.programme,
            cmd.title,
            cmd.organiser,
            cmd.founders,
            cmd.rule,
            u.audit,
            part_of=cmd.part_of,
        )
    )
    founders = ", ".join(cmd.founders.values())
    return f"opened programme {cmd.programme} ({cmd.rule.value} of {founders}{within})"


def add_axis(cmd: c.AddAxis, u: UnitOfWork) -> str:
    u.programme().add_axis(cmd.key, cmd.title, u.audit, parent=cmd.parent, level=cmd.level)
    what = cmd.level or "axis"
    under = f" under {cmd.parent}" if cmd.parent else ""
    return f"added {what} {cmd.key} ({cmd.title}){under} to {cmd.programme}"


def register_witness(cmd: c.RegisterWitness, u: UnitOfWork) -> str:
    u.programme().register_witness(cmd.founder, cmd.name, cmd.public_key, u.audit)
    return f"founder {cmd.founder} of {cmd.programme} cosigns the log as witness {cmd.name}"


def publish_plan(cmd: c.PublishPlan, u: UnitOfWork) -> str:
    programme = u.programme()
    if programme.plan_versions and programme.plan_versions[-1] == cmd.label:
        # A retry of the last publication, not a second one.
        raise Unchanged(
            f"plan version {len(programme.plan_versions)} of {cmd.programme} is already "
            f"published as {cmd.label!r}: nothing recorded (a new version needs a new label)",
            note="plan version already published",
        )
    number = programme.publish_plan(cmd.label, u.audit)
    return f"published plan version {number} of {cmd.programme}: {cmd.label}"


# -- sessions and participants ---------------------------------------------------


def schedule_session(cmd: c.ScheduleSession, u: UnitOfWork) -> str:
    programme = u.programme()
    for axis in cmd.axes:
        programme.require_axis(axis)
    existing = u.find(domain.Session, cmd.key) if cmd.existing_ok else None
    if existing is not None:
        existing.require_live()
        if existing.kind is not cmd.kind:
            raise RuleViolation(
                f"session {cmd.key} is a {existing.kind.value} session, not {cmd.kind.value}; "
                "give another session key to schedule a new one"
            )
        raise Unchanged(
            f"session {cmd.key} is already scheduled",
            note=f"{cmd.kind.value} session already scheduled",
        )
    u.require_absent(domain.Session, cmd.key)
    u.add(
        domain.Session.schedule(
            cmd.programme, cmd.key, cmd.kind, cmd.on, cmd.title, cmd.axes, cmd.facilitators, u.audit
        )
    )
    return f"scheduled {cmd.kind.value} {cmd.key} on {cmd.on.isoformat()}"


def record_attendance(cmd: c.RecordAttendance, u: UnitOfWork) -> str:
    session = u.get(domain.Session, cmd.session)
    for p in cmd.participants:
        u.participant(p)
    new = session.record_attendance(cmd.participants, u.audit)
    already = [p for p in cmd.participants if p not in new]
    if already:
        u.warnings.append(f"already listed, not recorded again: {', '.join(already)}")
    return f"recorded {len(new)} attending session {cmd.session}"


def register_participant(cmd: c.RegisterParticipant, u: UnitOfWork) -> str:
    u.programme()
    # An organisation of one person is named only among the personal data.
    organisation = None if cmd.organisation_is_person else cmd.organisation
    personal = cmd.name is not None or cmd.contact is not None or organisation is None
    # The person's key is made before the commit: a participant already
    # registered (perhaps erased, their key destroyed) is looked for first.
    assume = not personal
    if (
        cmd.existing_ok
        and u.find(domain.Participant, cmd.key, to_create=True, assume=assume) is not None
    ):
        raise Unchanged(
            f"participant {cmd.key} is already registered", note="participant already registered"
        )
    if cmd.organisation_type is OrganisationType.ANONYMOUS and (cmd.name or cmd.contact):
        raise InvalidInput(
            "an anonymous participant has no name or contact; leave them out", field="name"
        )
    u.require_absent(domain.Participant, cmd.key, assume=assume)
    u.add(
        domain.Participant.register(
            cmd.programme, cmd.key, organisation, cmd.organisation_type, u.audit
        )
    )
    if personal:
        u.put_personal(
            cmd.key, Personal(cmd.name, cmd.contact, None if organisation else cmd.organisation)
        )
    shown = organisation or "organisation withheld"
    return f"registered participant {cmd.key} ({shown}, {cmd.organisation_type.value})"


def register_anonymous(cmd: c.RegisterAnonymous, u: UnitOfWork) -> str:
    u.programme()
    if cmd.existing_ok and u.find(domain.Participant, cmd.key, to_create=True) is not None:
        raise Unchanged(
            f"participant {cmd.key} is already registered", note="participant already registered"
        )
    u.require_absent(domain.Participant, cmd.key)
    u.add(domain.Participant.register_anonymous(cmd.programme, cmd.key, u.audit))
    return f"registered anonymous participant {cmd.key}"


def erase_participant(cmd: c.EraseParticipant, u: UnitOfWork) -> str:
    u.get(domain.Participant, cmd.key).erase(cmd.reason, u.audit)
    u.erase_personal(cmd.key)
    return f"erased the personal data of participant {cmd.key}"


# -- contributions ----------------------------------------------------------------


def contribution_key(cmd: c.SubmitContribution, command_id: str) -> str:
    """The key given, or one derived from the command id (so a repeat finds it)."""
    return cmd.key or "C-" + uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:8].upper()


def submit_contribution(cmd: c.SubmitContribution, u: UnitOfWork) -> str:
    key = contribution_key(cmd, u.audit.command_id)
    programme = u.programme()
    session = u.get(domain.Session, cmd.session)
    if cmd.axis is not None:
        programme.require_axis(cmd.axis)
    for author in cmd.authors:
        u.participant(author)
    u.require_absent(domain.Contribution, key)
    u.add(
        domain.Contribution.submit(
            cmd.programme, key, session.key, cmd.axis, cmd.authors, cmd.text, u.audit
        )
    )
    return f"submitted contribution {key} in session {cmd.session}"


def amend_contribution(cmd: c.AmendContribution, u: UnitOfWork) -> str:
    version = u.get(domain.Contribution, cmd.key).amend(cmd.text, u.audit)
    return f"amended contribution {cmd.key}: version {version}"


def withdraw_contribution(cmd: c.WithdrawContribution, u: UnitOfWork) -> str:
    u.get(domain.Contribution, cmd.key).withdraw(cmd.reason, u.audit)
    return f"withdrew contribution {cmd.key}"


# -- proposals --------------------------------------------------------------------


def synthesise_proposal(cmd: c.SynthesiseProposal, u: UnitOfWork) -> str:
    from registre.domain.proposal import cite

    programme = u.programme()
    u.require_absent(domain.Proposal, cmd.key)
    sources = [cite(u.get(domain.Contribution, s.contribution), s.version) for s in cmd.sources]
    for s in sources:
        if s["withdrawn"]:
            u.warnings.append(
                f"contribution {s['contribution']} was withdrawn; the proposal cites it "
                "and the record says so"
            )
    u.add(
        domain.Proposal.synthesise(
            programme, cmd.key, cmd.title, cmd.text, cmd.axis, sources, u.audit
        )
    )
    cited = ", ".join(f"{s['contribution']}@{s['version']}" for s in sources)
    return f"synthesised proposal {cmd.key} from {cited}"


def reword_proposal(cmd: c.RewordProposal, u: UnitOfWork) -> str:
    u.get(domain.Proposal, cmd.key).reword(cmd.title, cmd.text, u.audit)
    return f"reworded proposal {cmd.key}: {cmd.title}"


def merge_proposals(cmd: c.MergeProposals, u: UnitOfWork) -> str:
    from registre.domain.proposal import merge

    programme = u.programme()
    sources = [u.get(domain.Proposal, key) for key in cmd.sources]
    target = u.find(domain.Proposal, cmd.target)
    if target is not None and target.void:
        raise RuleViolation(f"proposal {cmd.target} was annulled")
    renamed = target is not None and bool(cmd.title) and cmd.title != target.title
    u.add(merge(programme, sources, target, cmd.target, cmd.title, u.audit))
    summary = f"merged {', '.join(cmd.sources)} into proposal {cmd.target}"
    return summary + (f", now titled «{cmd.title}»" if renamed else "")


def split_proposal(cmd: c.SplitProposal, u: UnitOfWork) -> str:
    from registre.domain.proposal import split

    programme = u.programme()
    source = u.get(domain.Proposal, cmd.key)
    for key, _ in cmd.parts:
        u.require_absent(domain.Proposal, key)
    u.add(*split(programme, source, list(cmd.parts), u.audit))
    return f"split proposal {cmd.key} into {', '.join(k for k, _ in cmd.parts)}"


# -- voting -------------------------------------------------------------------------


def open_round(cmd: c.OpenRound, u: UnitOfWork) -> str:
    from registre.projections.phrases import plural

    session = u.get(domain.Session, cmd.session)
    for key in cmd.proposals:
        proposal = u.get(domain.Proposal, key)
        if proposal.status in (Status.MERGED, Status.SPLIT, Status.REJECTED):
            raise RuleViolation(
                f"proposal {key} is {proposal.status.value} and cannot be put to a vote"
            )
    u.require_absent(domain.Round, cmd.key)
    u.add(
        domain.Round.open(
            cmd.programme,
            cmd.key,
            session.key,
            cmd.method,
            cmd.limit,
            cmd.max_score,
            cmd.proposals,
            u.audit,
            min_votes=cmd.min_votes,
            max_per_proposal=cmd.max_per_proposal,
            budget=cmd.budget,
            costs=cmd.costs,
        )
    )
    proposals = plural(len(cmd.proposals), "proposal", lang="en")
    budget = f", budget {cmd.budget:,}" if cmd.budget is not None else ""
    return f"opened {cmd.method.value} round {cmd.key} on {proposals}{budget}"


def close_round(cmd: c.CloseRound, u: UnitOfWork) -> str:
    u.get(domain.Round, cmd.key).close(u.audit)
    return f"closed round {cmd.key}"


def cast_vote(cmd: c.CastVote, u: UnitOfWork) -> str:
    round_ = u.get(domain.Round, cmd.round)
    round_.require_open()
    if round_.whole_ballots:
        raise RuleViolation(
            f"round {cmd.round} takes whole ballots of at least {round_.min_votes} votes; "
            "cast the ballot whole"
        )
    # A vote holds only if its round is still open when it is committed.
    u.rely_on(round_)
    round_.require_eligible(cmd.proposal)
    u.participant(cmd.participant)
    value = round_.value_of(cmd.value)
    # A ballot is looked for in the store unless it is known absent: a second
    # vote by the same person is common, and a refused commit costs more.
    ballot = u.find(
        domain.Ballot,
        domain.Ballot.key_for(cmd.round, cmd.participant),
        to_create=True,
        assume=False,
    )
    if ballot is None:
        ballot = domain.Ballot.start(round_, cmd.participant, u.audit)
        u.add(ballot)
    ballot.cast(round_, cmd.proposal, value, u.audit)
    vote = cmd.value or value
    return f"{cmd.participant} voted {vote} for {cmd.proposal} in round {cmd.round}"


def cast_ballot(cmd: c.CastBallot, u: UnitOfWork) -> str:
    round_ = u.get(domain.Round, cmd.round)
    round_.require_open()
    # A ballot holds only if its round is still open when it is committed.
    u.rely_on(round_)
    for proposal, _ in cmd.votes:
        round_.require_eligible(proposal)
    u.participant(cmd.participant)
    votes = [(proposal, round_.value_of(raw)) for proposal, raw in cmd.votes]
    # A ballot is looked for in the store unless it is known absent: a second
    # vote by the same person is common, and a refused commit costs more.
    ballot = u.find(
        domain.Ballot,
        domain.Ballot.key_for(cmd.round, cmd.participant),
        to_create=True,
        assume=False,
    )
    if ballot is None:
        ballot = domain.Ballot.start(round_, cmd.participant, u.audit)
        u.add(ballot)
    ballot.cast_whole(round_, votes, u.audit)
    return f"{cmd.participant} cast a ballot of {len(votes)} votes in round {cmd.round}"


def fund_proposals(cmd: c.FundProposals, u: UnitOfWork) -> str:
    round_ = u.get(domain.Round, cmd.round)
    funded = round_.select_funding(u.tally(cmd.round), u.audit)
    spent = sum(round_.costs[p] for p in funded)
    return (
        f"round {cmd.round} funds {len(funded)} of {len(round_.proposals)} proposals, "
        f"{spent:,} of the budget of {round_.budget:,}"
    )


def retract_vote(cmd: c.RetractVote, u: UnitOfWork) -> str:
    round_ = u.get(domain.Round, cmd.round)
    round_.require_open()
    u.rely_on(round_)
    ballot = u.find(domain.Ballot, domain.Ballot.key_for(cmd.round, cmd.participant))
    if ballot is None:
        raise RuleViolation(f"participant {cmd.participant} has not voted in round {cmd.round}")
    ballot.retract(round_, cmd.proposal, u.audit)
    return f"{cmd.participant} retracted the vote for {cmd.proposal} in round {cmd.round}"


# -- validation and decisions ---------------------------------------------------------

VALIDATION_VERBS = {
    "validated": "validated",
    "returned": "returned for rework",
    "rejected": "rejected",
}


def validate(cmd: c.ValidateProposal, u: UnitOfWork) -> str:
    u.get(domain.Proposal, cmd.proposal).validate(cmd.body, cmd.minutes, cmd.outcome, u.audit)
    done = VALIDATION_VERBS[cmd.outcome.value]
    return f"{cmd.body} {done} proposal {cmd.proposal} (minutes {cmd.minutes})"


def decide(cmd: c.DecideOnPriority, u: UnitOfWork) -> str:
    programme = u.programme()
    proposal = u.get(domain.Proposal, cmd.proposal)
    was_adopted = proposal.adopted
    adopted = proposal.decide(
        programme, cmd.founder, cmd.decision, cmd.rationale, cmd.revise, u.audit
    )
    verb = "revised its decision to" if cmd.revise else "decided"
    summary = f"founder {cmd.founder} {verb} '{cmd.decision.value}' on {cmd.proposal}"
    rule = programme.rule.value
    if adopted:
        summary += f"; the {rule} rule is met: priority adopted into the plan"
    elif was_adopted and not proposal.adopted:
        summary += f"; the {rule} rule is no longer met: adoption withdrawn from the plan"
    return summary


# -- actions --------------------------------------------------------------------------


def assign_action(cmd: c.AssignAction, u: UnitOfWork) -> str:
    priority = u.get(domain.Proposal, cmd.priority)
    u.require_absent(domain.Action, cmd.key)
    u.add(
        domain.Action.assign(priority, cmd.key, cmd.title, cmd.lead, cmd.partners, cmd.due, u.audit)
    )
    return f"assigned action {cmd.key} for priority {cmd.priority} to {cmd.lead}"


def record_result(cmd: c.RecordResult, u: UnitOfWork) -> str:
    proposals = [u.get(domain.Proposal, key) for key in dict.fromkeys(cmd.proposals)]
    u.require_absent(domain.Action, cmd.key)
    u.add(domain.Action.record_result(proposals, cmd.key, cmd.title, cmd.lead, u.audit))
    return f"recorded result {cmd.key} for {', '.join(p.key for p in proposals)}"


def attest_tally(cmd: c.AttestTally, u: UnitOfWork) -> str:
    proposal = u.get(domain.Proposal, cmd.proposal)
    if proposal.attested_tallies.get(cmd.source) == cmd.count:
        raise Unchanged(
            f"proposal {cmd.proposal} already has {cmd.count} supports attested by {cmd.source}",
            note="tally already attested",
        )
    proposal.attest_tally(cmd.count, cmd.source, u.audit)
    return f"{cmd.count} supports of proposal {cmd.proposal} attested by {cmd.source}"


def report_progress(cmd: c.ReportProgress, u: UnitOfWork) -> str:
    action = u.get(domain.Action, cmd.key)
    action.report(cmd.status, cmd.percent, cmd.note, u.audit)
    return f"action {cmd.key} is {action.status.value} at {action.progress}%"


# -- corrections -------------------------------------------------------------------------


def correct(cmd: c.CorrectRecord, u: UnitOfWork) -> str:
    programme = u.programme()
    target = u.event_at(cmd.position)
    if target is None:
        raise NotFound(f"there is no record at position {cmd.position}")
    aggregate = u.load(target.originator_id)
    if (
        aggregate is None
        or isinstance(aggregate, domain.CommandReceipt)
        or aggregate.programme != cmd.programme
    ):
        raise NotFound(
            f"the record at position {cmd.position} is not a record of programme "
            f"{cmd.programme} that can be annulled"
        )
    kind = type(target).__qualname__.split(".")[-1]
    aggregate.annul(target.originator_version, kind, cmd.reason, u.audit)
    if isinstance(aggregate, domain.Proposal):
        aggregate.reconsider_adoption(programme, u.audit)
    return f"annulled record {cmd.position} ({aggregate.label}, {kind}): {cmd.reason}"


COMMAND_HANDLERS: dict[type[c.Command], Handler] = {
    c.OpenProgramme: open_programme,
    c.AddAxis: add_axis,
    c.RegisterWitness: register_witness,
    c.PublishPlan: publish_plan,
    c.ScheduleSession: schedule_session,
    c.RecordAttendance: record_attendance,
    c.RegisterParticipant: register_participant,
    c.RegisterAnonymous: register_anonymous,
    c.EraseParticipant: erase_participant,
    c.SubmitContribution: submit_contribution,
    c.AmendContribution: amend_contribution,
    c.WithdrawContribution: withdraw_contribution,
    c.SynthesiseProposal: synthesise_proposal,
    c.RewordProposal: reword_proposal,
    c.MergeProposals: merge_proposals,
    c.SplitProposal: split_proposal,
    c.OpenRound: open_round,
    c.CloseRound: close_round,
    c.CastVote: cast_vote,
    c.CastBallot: cast_ballot,
    c.FundProposals: fund_proposals,
    c.RetractVote: retract_vote,
    c.ValidateProposal: validate,
    c.DecideOnPriority: decide,
    c.AssignAction: assign_action,
    c.RecordResult: record_result,
    c.AttestTally: attest_tally,
    c.ReportProgress: report_progress,
    c.CorrectRecord: correct,
}
