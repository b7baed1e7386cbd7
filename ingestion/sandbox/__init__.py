"""The sandbox: a simulated organisation, its ground truth, and local copies of its tools' APIs.

Use: `org = generate_organisation(tier="small", seed=7)`, `truth = ground_truth(org)`, and
`with SandboxServer(org) as server:` then `server.github_api_url` / `server.github_token`
(and `jira_url`, `jira_email`, `jira_token`, `pagerduty_url`, `pagerduty_token`);
`server.clock` / `server.advance(...)`, `server.budget = Budget(...)`,
`server.faults = Faults(...)` and `server.request_counts` are the knobs for tests.
"""

from ingestion.sandbox.export import write_jsonl
from ingestion.sandbox.generator import TIERS, generate_organisation
from ingestion.sandbox.knobs import Budget, Faults
from ingestion.sandbox.model import Organisation
from ingestion.sandbox.server import SandboxServer, serve
from ingestion.sandbox.truth import GroundTruth, ground_truth

__all__ = [
    "TIERS",
    "Budget",
    "Faults",
    "GroundTruth",
    "Organisation",
    "SandboxServer",
    "generate_organisation",
    "ground_truth",
    "serve",
    "write_jsonl",
]
