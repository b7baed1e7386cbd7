"""Records of the simulated PagerDuty account: one service per repository, its incidents.

Each incident carries what the generator knows about it: the deployment that caused it
(`caused_by_deployment_id`) and how a reader can tell (`link_kind`): "explicit" when its
title, description or a note names the deployment, its sha or one of its pull requests;
"window" when it only started within the attribution window after a production
deployment of its service; None when it is unrelated to any deployment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTRIBUTION_WINDOW = 24 * 3600


@dataclass(frozen=True, slots=True)
class Service:
    service_id: str
    name: str
    repository: str  # owner/name
    team_id: str
    value_stream_id: str
    created_ts: int
    escalation_policy_id: str


@dataclass(frozen=True, slots=True)
class Note:
    log_entry_id: str
    created_ts: int
    author_login: str
    content: str


@dataclass(slots=True)
class Incident:
    incident_id: str
    incident_number: int
    service_id: str
    repository: str
    value_stream_id: str
    title: str
    description: str
    urgency: str  # high | low
    priority: str  # P1..P5
    triggered_ts: int
    acknowledged_ts: int | None
    resolved_ts: int | None  # None while open at the generator's now
    assignee_login: str
    notes: tuple[Note, ...] = ()
    caused_by_deployment_id: int | None = None
    link_kind: str | None = None  # "explicit" | "window" | None
    named: str | None = None  # what the text names: deployment_id, sha, sha_prefix, pr, ...
    incident_key: str = ""

    def status_at(self, clock: int) -> str:
        if self.resolved_ts is not None and self.resolved_ts <= clock:
            return "resolved"
        if self.acknowledged_ts is not None and self.acknowledged_ts <= clock:
            return "acknowledged"
        return "triggered"


@dataclass(slots=True)
class PagerDutyData:
    subdomain: str
    seed: int
    now_ts: int
    services: list[Service]
    incidents: list[Incident]  # by trigger time (incident_number order)
    # login -> (PagerDuty user id, name, email)
    users: dict[str, tuple[str, str, str]]
    teams: dict[str, tuple[str, str]]  # team id -> (PagerDuty team id, name)
    _by_id: dict[str, Incident] = field(default_factory=dict, repr=False)

    def incident(self, incident_id: str) -> Incident | None:
        if not self._by_id:
            self._by_id.update({i.incident_id: i for i in self.incidents})
        return self._by_id.get(incident_id)

    def summary(self) -> dict[str, int]:
        return {
            "services": len(self.services),
            "incidents": len(self.incidents),
            "explicit": sum(1 for i in self.incidents if i.link_kind == "explicit"),
            "window": sum(1 for i in self.incidents if i.link_kind == "window"),
            "unrelated": sum(1 for i in self.incidents if i.link_kind is None),
            "open": sum(1 for i in self.incidents if i.resolved_ts is None),
        }
