"""Deterministic PagerDuty incidents for a sandbox organisation (after its deployments exist).

Per repository (one PagerDuty service each, its own `random.Random`): some successful
production deployments cause an incident within hours; some of those incidents name the
deployment (its id, its sha in full or by a prefix of 7-12 characters, or one of the pull
requests it shipped as `#123`, `owner/repo#123` or the PR's URL) and some only follow it
in time; unrelated incidents fall outside every attribution window. Nothing is recorded
after the organisation's `now`: incidents still open then have no resolution.
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_right
from functools import lru_cache

from ingestion.sandbox.model import Deployment, Organisation, Repository
from ingestion.sandbox.pagerduty.model import (
    ATTRIBUTION_WINDOW,
    Incident,
    Note,
    PagerDutyData,
    Service,
)

HOUR = 3600
DAY = 86_400
CAUSED_SHARE = 0.11  # successful production deployments that cause an incident
EXPLICIT_SHARE = 0.6  # of those, incidents that name what caused them
UNRELATED_PER_DAY = 1 / 25
ONGOING_SHARE = 0.5  # services with an incident still open at now
GITHUB_WEB = "https://github.com"
_SYMPTOMS = (
    "Elevated 5xx rate on {s}", "Latency above SLO on {s}", "Error budget burn on {s}",
    "Health check failing for {s}", "Queue backlog growing in {s}", "Timeouts calling {s}",
)  # fmt: skip
_UNRELATED = (
    "Disk usage high on {s} database", "Certificate expiring soon for {s}",
    "Upstream provider outage affecting {s}", "Node pool unhealthy under {s}",
    "DNS resolution errors in {s}", "Memory pressure on {s} hosts",
)  # fmt: skip


@lru_cache(maxsize=262_144)
def pd_id(prefix: str, key: str, length: int = 7) -> str:
    """PagerDuty-style opaque id (uppercase letters and digits), stable for key."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    number = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    chars = []
    for _ in range(length - len(prefix)):
        number, r = divmod(number, len(alphabet))
        chars.append(alphabet[r])
    return prefix + "".join(chars)


def _lognormal(rng: random.Random, median: float, sigma: float) -> int:
    return max(60, int(rng.lognormvariate(math.log(median), sigma)))


class _ServiceBuilder:
    def __init__(
        self, org: Organisation, repo: Repository, service: Service, seed: int, members: tuple
    ) -> None:
        self.org = org
        self.repo = repo
        self.service = service
        self.members = members or ("admin",)
        self.rng = random.Random(f"{seed}:pagerduty:{repo.full_name}")
        self.now = org.now_ts
        deployments = org.deployments.get(repo.full_name, [])
        self.production = sorted(
            (
                d
                for d in deployments
                if d.environment == repo.production_environment
                and d.final_state == "success"
                and d.finished_ts is not None
            ),
            key=lambda d: (d.finished_ts or 0, d.deployment_id),
        )
        self.finished = [d.finished_ts or 0 for d in self.production]
        sha_uses: dict[str, int] = {}
        for d in self.production:
            sha_uses[d.sha] = sha_uses.get(d.sha, 0) + 1
        self.sha_uses = sha_uses
        self.shipped = self._shipped_pull_requests()
        self.incidents: list[Incident] = []

    def _shipped_pull_requests(self) -> dict[int, list[int]]:
        """PR numbers first shipped by each production deployment (none for the first)."""
        seq = {c.sha: c.landed_seq for c in self.org.commits.get(self.repo.full_name, [])}
        by_seq = sorted(
            (seq[p.merge_commit_sha], p.number)
            for p in self.org.pull_requests.get(self.repo.full_name, [])
            if seq.get(p.merge_commit_sha) is not None
        )
        keys = [s for s, _ in by_seq]
        shipped: dict[int, list[int]] = {}
        high: int | None = None
        for d in self.production:
            at = seq.get(d.sha)
            if at is None:
                continue
            if high is not None and at > high:
                lo, hi = bisect_right(keys, high), bisect_right(keys, at)
                shipped[d.deployment_id] = [n for _, n in by_seq[lo:hi]]
            high = at if high is None else max(high, at)
        return shipped

    def attributed(self, ts: int) -> int | None:
        """The latest production deployment finished at most the window before ts."""
        i = bisect_right(self.finished, ts) - 1
        if i < 0 or ts - self.finished[i] > ATTRIBUTION_WINDOW:
            return None
        return self.production[i].deployment_id

    def build(self) -> None:
        rng = self.rng
        for dep in self.production:
            if dep.kind == "rollback" or rng.random() >= CAUSED_SHARE:
                continue
            start = (dep.finished_ts or 0) + min(_lognormal(rng, 2 * HOUR, 1.2), 23 * HOUR)
            if start > self.now:
                continue
            if rng.random() < EXPLICIT_SHARE:
                self._explicit(dep, start)
            else:
                title = rng.choice(_SYMPTOMS).format(s=self.service.name)
                caused = self.attributed(start)
                self._incident(start, title, title, [], caused, "window" if caused else None)
        if rng.random() < ONGOING_SHARE:  # still open at now
            start = self.now - rng.randint(HOUR, 20 * HOUR)
            title = rng.choice(_SYMPTOMS).format(s=self.service.name)
            caused = self.attributed(start)
            self._incident(start, title, title, [], caused, "window" if caused else None,
                           open_until_now=True)  # fmt: skip
        span_start = self.repo.created_ts + 30 * DAY
        days = max((self.now - span_start) // DAY, 1)
        for _ in range(_poisson(rng, days * UNRELATED_PER_DAY)):
            for _attempt in range(4):
                start = span_start + rng.randint(0, self.now - span_start)
                if self.attributed(start) is None:
                    title = rng.choice(_UNRELATED).format(s=self.service.name)
                    self._incident(start, title, title, [], None, None)
                    break

    def _explicit(self, dep: Deployment, start: int) -> None:
        rng = self.rng
        repo = self.repo.full_name
        options = ["deployment_id"]
        if self.sha_uses.get(dep.sha) == 1:
            options += ["sha", "sha_prefix"]
        prs = self.shipped.get(dep.deployment_id) or []
        if prs:
            options += ["pr", "pr_full", "pr_url"]
        named = rng.choice(options)
        pr = rng.choice(prs) if prs else 0
        reference = {
            "deployment_id": f"deployment {dep.visible_id(self.repo)}",
            "sha": dep.sha,
            "sha_prefix": dep.sha[: rng.randint(7, 12)],
            "pr": f"#{pr}",
            "pr_full": f"{repo}#{pr}",
            "pr_url": f"{GITHUB_WEB}/{repo}/pull/{pr}",
        }[named]
        symptom = rng.choice(_SYMPTOMS).format(s=self.service.name)
        where = rng.choice(("title", "description", "note"))
        title, description, notes = symptom, symptom, []
        if where == "title":
            title = f"{symptom} after {reference}"
            description = title
        elif where == "description":
            description = f"{symptom}. Started right after {reference} reached production."
        else:
            notes.append(f"Looks like {reference} caused this; rolling forward with a fix.")
        self._incident(start, title, description, notes, dep.deployment_id, "explicit", named)

    def _incident(
        self,
        start: int,
        title: str,
        description: str,
        notes: list[str],
        caused: int | None,
        kind: str | None,
        named: str | None = None,
        open_until_now: bool = False,
    ) -> None:
        rng = self.rng
        ack = start + _lognormal(rng, 6 * 60, 1.0) if rng.random() < 0.9 else None
        resolved = start + _lognormal(rng, 2.5 * HOUR, 1.3)
        if open_until_now:
            resolved = self.now + 1
        if ack is not None and ack >= resolved:
            ack = start + (resolved - start) // 2
        if ack is not None and ack > self.now:
            ack = None
        if resolved > self.now:
            resolved = None
        if rng.random() < 0.5:
            notes.append("Investigating; dashboards attached in the channel.")
        assignee = rng.choice(self.members)
        note_records = []
        end = resolved if resolved is not None else self.now
        for n, text in enumerate(notes):
            at = start + int((end - start) * rng.uniform(0.2, 0.9))
            if at <= self.now:
                key = f"{self.service.service_id}:{start}:note:{n}"
                note_records.append(Note(pd_id("R", key, 26), at, assignee, text))
        note_records.sort(key=lambda note: note.created_ts)
        urgency = "high" if rng.random() < 0.7 else "low"
        priority = rng.choices(("P1", "P2", "P3", "P4", "P5"), (0.05, 0.2, 0.4, 0.25, 0.1))[0]
        key = f"{self.service.service_id}:{start}:{len(self.incidents)}"
        self.incidents.append(
            Incident(
                incident_id=pd_id("Q", key, 14),
                incident_number=0,
                service_id=self.service.service_id,
                repository=self.repo.full_name,
                value_stream_id=self.repo.value_stream_id,
                title=title,
                description=description,
                urgency=urgency,
                priority=priority,
                triggered_ts=start,
                acknowledged_ts=ack,
                resolved_ts=resolved,
                assignee_login=assignee,
                notes=tuple(note_records),
                caused_by_deployment_id=caused,
                link_kind=kind,
                named=named,
                incident_key=hashlib.sha1(key.encode()).hexdigest()[:32],
            )
        )


def _poisson(rng: random.Random, lam: float) -> int:
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def generate_pagerduty(org: Organisation, seed: int) -> PagerDutyData:
    """The PagerDuty account of `org`; call after `org.deployments` are generated."""
    teams = {t.team_id: (pd_id("P", f"{seed}:team:{t.team_id}"), t.name) for t in org.teams}
    members = {t.team_id: t.members for t in org.teams}
    users = {
        p.login: (pd_id("P", f"{seed}:user:{p.login}"), p.name, p.email)
        for p in org.people.values()
        if p.team_id is not None
    }
    services: list[Service] = []
    incidents: list[Incident] = []
    for repo in org.repositories:
        service = Service(
            service_id=pd_id("P", f"{seed}:service:{repo.full_name}"),
            name=repo.name,
            repository=repo.full_name,
            team_id=repo.team_id,
            value_stream_id=repo.value_stream_id,
            created_ts=repo.created_ts,
            escalation_policy_id=pd_id("P", f"{seed}:policy:{repo.team_id}"),
        )
        services.append(service)
        builder = _ServiceBuilder(org, repo, service, seed, members.get(repo.team_id, ()))
        builder.build()
        incidents.extend(builder.incidents)
    incidents.sort(key=lambda i: (i.triggered_ts, i.incident_id))
    for n, incident in enumerate(incidents):
        incident.incident_number = n + 1
    return PagerDutyData(
        subdomain=org.login,
        seed=seed,
        now_ts=org.now_ts,
        services=services,
        incidents=incidents,
        users=users,
        teams=teams,
    )
