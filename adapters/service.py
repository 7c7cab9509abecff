"""The application service: one method per recording command, the one place
that turns a command into events (through the command cycle of
``application``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from registre.adapters import commands as c
from registre.adapters.application import (
    BatchedCycle,
    CommandCycle,
    Recorded,
    RegistreApp,
    Result,
    Unit,
)
from registre.domain import (
    Action,
    Ballot,
    CommandReceipt,
    Contribution,
    Participant,
    Programme,
    Proposal,
    Round,
    Session,
)
from registre.domain.errors import AlreadyExists, NotFound, RuleViolation
from registre.domain.ids import programme_id
from registre.domain.proposal import cite, merge, split

__all__ = ["BatchedService", "Recorded", "RegistreApp", "Result", "Service"]


class Service(CommandCycle):
    """One method per recording command. Each returns a ``Result``."""

    @contextmanager
    def batched(self, per_transaction: int) -> Iterator[BatchedService]:
        """The same commands, saved ``per_transaction`` at a time (see ``BatchedCycle``).

        What is pending is saved when the block ends, and forgotten if it ends
        with an error."""
        batch = BatchedService(self, per_transaction)
        try:
            yield batch
        except BaseException:
            batch.discard()
            raise
        batch.flush()

    # -- programme -----------------------------------------------------------------

    def open_programme(self, cmd: c.OpenProgramme, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            if u._load(programme_id(cmd.programme)) is not None:
                raise AlreadyExists(f"programme {cmd.programme!r} is already open in this store")
            p = Programme.open(
                cmd.programme, cmd.title, cmd.organiser, cmd.founders, cmd.rule, u.audit
            )
            u.add(p)
            founders = ", ".join(cmd.founders.values())
            return f"opened programme {cmd.programme} ({cmd.rule.value} of {founders})"

        return self._execute("programme open", cmd, ctx, act)

    def add_axis(self, cmd: c.AddAxis, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.programme().add_axis(cmd.key, cmd.title, u.audit)
            return f"added axis {cmd.key} ({cmd.title}) to {cmd.programme}"

        return self._execute("programme axis", cmd, ctx, act)

    def publish_plan(self, cmd: c.PublishPlan, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            number = u.programme().publish_plan(cmd.label, u.audit)
            return f"published plan version {number} of {cmd.programme}: {cmd.label}"

        return self._execute("plan publish", cmd, ctx, act)

    # -- sessions and participants ---------------------------------------------------

    def schedule_session(self, cmd: c.ScheduleSession, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            for axis in cmd.axes:
                programme.require_axis(axis)
            u.require_absent(Session, cmd.key)
            u.add(
                Session.schedule(
                    cmd.programme,
                    cmd.key,
                    cmd.kind,
                    cmd.on,
                    cmd.title,
                    cmd.axes,
                    cmd.facilitators,
                    u.audit,
                )
            )
            return f"scheduled {cmd.kind.value} {cmd.key} on {cmd.on.isoformat()}"

        return self._execute("session schedule", cmd, ctx, act)

    def record_attendance(self, cmd: c.RecordAttendance, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            session = u.get(Session, cmd.session)
            for p in cmd.participants:
                u.participant(p)
            new = session.record_attendance(cmd.participants, u.audit)
            already = [p for p in cmd.participants if p not in new]
            if already:
                u.warnings.append(f"already listed, not recorded again: {', '.join(already)}")
            return f"recorded {len(new)} attending session {cmd.session}"

        return self._execute("session attend", cmd, ctx, act)

    def register_participant(self, cmd: c.RegisterParticipant, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.programme()
            u.require_absent(Participant, cmd.key)
            u.add(
                Participant.register(
                    cmd.programme, cmd.key, cmd.organisation, cmd.organisation_type, u.audit
                )
            )
            return (
                f"registered participant {cmd.key} ({cmd.organisation}, "
                f"{cmd.organisation_type.value})"
            )

        result = self._execute("participant register", cmd, ctx, act)
        if not result.already_recorded:
            self._put_personal(cmd.programme, cmd.key, cmd.name, cmd.contact)
        return result

    def erase_participant(self, cmd: c.EraseParticipant, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Participant, cmd.key).erase(cmd.reason, u.audit)
            return f"erased the personal data of participant {cmd.key}"

        result = self._execute("participant erase", cmd, ctx, act)
        self._erase_personal(cmd.programme, cmd.key)
        return result

    # -- contributions ----------------------------------------------------------------

    def submit_contribution(self, cmd: c.SubmitContribution, ctx: c.Context) -> Result:
        command_id = ctx.command_id or str(uuid.uuid4())
        key = cmd.key or "C-" + uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:8].upper()

        def act(u: Unit) -> str:
            programme = u.programme()
            session = u.get(Session, cmd.session)
            if cmd.axis is not None:
                programme.require_axis(cmd.axis)
            for author in cmd.authors:
                u.participant(author)
            u.require_absent(Contribution, key)
            u.add(
                Contribution.submit(
                    cmd.programme, key, session.key, cmd.axis, cmd.authors, cmd.text, u.audit
                )
            )
            return f"submitted contribution {key} in session {cmd.session}"

        return self._execute(
            "contribution submit", cmd, ctx.model_copy(update={"command_id": command_id}), act
        )

    def amend_contribution(self, cmd: c.AmendContribution, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            version = u.get(Contribution, cmd.key).amend(cmd.text, u.audit)
            return f"amended contribution {cmd.key}: version {version}"

        return self._execute("contribution amend", cmd, ctx, act)

    def withdraw_contribution(self, cmd: c.WithdrawContribution, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Contribution, cmd.key).withdraw(cmd.reason, u.audit)
            return f"withdrew contribution {cmd.key}"

        return self._execute("contribution withdraw", cmd, ctx, act)

    # -- proposals --------------------------------------------------------------------

    def synthesise_proposal(self, cmd: c.SynthesiseProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            u.require_absent(Proposal, cmd.key)
            sources = [cite(u.get(Contribution, s.contribution), s.version) for s in cmd.sources]
            for s in sources:
                if s["withdrawn"]:
                    u.warnings.append(
                        f"contribution {s['contribution']} was withdrawn; the proposal cites it "
                        "and the record says so"
                    )
            u.add(
                Proposal.synthesise(
                    programme, cmd.key, cmd.title, cmd.text, cmd.axis, sources, u.audit
                )
            )
            cited = ", ".join(f"{s['contribution']}@{s['version']}" for s in sources)
            return f"synthesised proposal {cmd.key} from {cited}"

        return self._execute("proposal synthesise", cmd, ctx, act)

    def reword_proposal(self, cmd: c.RewordProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Proposal, cmd.key).reword(cmd.title, cmd.text, u.audit)
            return f"reworded proposal {cmd.key}: {cmd.title}"

        return self._execute("proposal reword", cmd, ctx, act)

    def merge_proposals(self, cmd: c.MergeProposals, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            sources = [u.get(Proposal, key) for key in cmd.sources]
            target = u.find(Proposal, cmd.target)
            if target is not None and target.void:
                raise RuleViolation(f"proposal {cmd.target} was annulled")
            merged = merge(programme, sources, target, cmd.target, cmd.title, u.audit)
            u.add(merged)
            return f"merged {', '.join(cmd.sources)} into proposal {cmd.target}"

        return self._execute("proposal merge", cmd, ctx, act)

    def split_proposal(self, cmd: c.SplitProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            source = u.get(Proposal, cmd.key)
            for key, _ in cmd.parts:
                u.require_absent(Proposal, key)
            u.add(*split(programme, source, list(cmd.parts), u.audit))
            return f"split proposal {cmd.key} into {', '.join(k for k, _ in cmd.parts)}"

        return self._execute("proposal split", cmd, ctx, act)

    # -- voting -------------------------------------------------------------------------

    def open_round(self, cmd: c.OpenRound, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            session = u.get(Session, cmd.session)
            for key in cmd.proposals:
                proposal = u.get(Proposal, key)
                if proposal.status.value in ("merged", "split", "rejected"):
                    raise RuleViolation(
                        f"proposal {key} is {proposal.status.value} and cannot be put to a vote"
                    )
            u.require_absent(Round, cmd.key)
            u.add(
                Round.open(
                    cmd.programme,
                    cmd.key,
                    session.key,
                    cmd.method,
                    cmd.limit,
                    cmd.max_score,
                    cmd.proposals,
                    u.audit,
                )
            )
            return f"opened {cmd.method.value} round {cmd.key} on {len(cmd.proposals)} proposals"

        return self._execute("round open", cmd, ctx, act)

    def close_round(self, cmd: c.CloseRound, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Round, cmd.key).close(u.audit)
            return f"closed round {cmd.key}"

        return self._execute("round close", cmd, ctx, act)

    def cast_vote(self, cmd: c.CastVote, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            round_ = u.get(Round, cmd.round)
            round_.require_open()
            round_.require_eligible(cmd.proposal)
            u.participant(cmd.participant)
            value = round_.value_of(cmd.value)
            ballot = u.find(Ballot, Ballot.key_for(cmd.round, cmd.participant))
            if ballot is None:
                ballot = Ballot.start(round_, cmd.participant, u.audit)
                u.add(ballot)
            ballot.cast(round_, cmd.proposal, value, u.audit)
            vote = cmd.value or value
            return f"{cmd.participant} voted {vote} for {cmd.proposal} in round {cmd.round}"

        return self._execute("vote cast", cmd, ctx, act)

    def retract_vote(self, cmd: c.RetractVote, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            round_ = u.get(Round, cmd.round)
            round_.require_open()
            ballot = u.find(Ballot, Ballot.key_for(cmd.round, cmd.participant))
            if ballot is None:
                raise RuleViolation(
                    f"participant {cmd.participant} has not voted in round {cmd.round}"
                )
            ballot.retract(round_, cmd.proposal, u.audit)
            return f"{cmd.participant} retracted the vote for {cmd.proposal} in round {cmd.round}"

        return self._execute("vote retract", cmd, ctx, act)

    # -- validation and decisions ---------------------------------------------------------

    def validate(self, cmd: c.ValidateProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Proposal, cmd.proposal).validate(cmd.body, cmd.minutes, cmd.outcome, u.audit)
            verb = {
                "validated": "validated",
                "returned": "returned for rework",
                "rejected": "rejected",
            }
            done = verb[cmd.outcome.value]
            return f"{cmd.body} {done} proposal {cmd.proposal} (minutes {cmd.minutes})"

        return self._execute("validate", cmd, ctx, act)

    def decide(self, cmd: c.DecideOnPriority, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            proposal = u.get(Proposal, cmd.proposal)
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

        return self._execute("decide", cmd, ctx, act)

    # -- actions --------------------------------------------------------------------------

    def assign_action(self, cmd: c.AssignAction, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            priority = u.get(Proposal, cmd.priority)
            u.require_absent(Action, cmd.key)
            u.add(
                Action.assign(
                    priority, cmd.key, cmd.title, cmd.lead, cmd.partners, cmd.due, u.audit
                )
            )
            return f"assigned action {cmd.key} for priority {cmd.priority} to {cmd.lead}"

        return self._execute("action assign", cmd, ctx, act)

    def report_progress(self, cmd: c.ReportProgress, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            action = u.get(Action, cmd.key)
            action.report(cmd.status, cmd.percent, cmd.note, u.audit)
            return f"action {cmd.key} is {action.status.value} at {action.progress}%"

        return self._execute("action progress", cmd, ctx, act)

    # -- corrections -------------------------------------------------------------------------

    def correct(self, cmd: c.CorrectRecord, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            notifications = self.app.recorder.select_notifications(start=cmd.position, limit=1)
            if not notifications or notifications[0].id != cmd.position:
                raise NotFound(f"there is no record at position {cmd.position}")
            target = self.app.mapper.to_domain_event(notifications[0])
            aggregate = u._load(target.originator_id)
            if (
                aggregate is None
                or isinstance(aggregate, CommandReceipt)
                or aggregate.programme != cmd.programme
            ):
                raise NotFound(
                    f"the record at position {cmd.position} is not a record of programme "
                    f"{cmd.programme} that can be annulled"
                )
            kind = type(target).__qualname__.split(".")[-1]
            aggregate.annul(target.originator_version, kind, cmd.reason, u.audit)
            if isinstance(aggregate, Proposal):
                aggregate.reconsider_adoption(programme, u.audit)
            return f"annulled record {cmd.position} ({aggregate.label}, {kind}): {cmd.reason}"

        return self._execute("correct", cmd, ctx, act)


class BatchedService(BatchedCycle, Service):
    """The service's commands on the batched path: checked by the same rules,
    saved many per transaction. Made by ``Service.batched``."""
