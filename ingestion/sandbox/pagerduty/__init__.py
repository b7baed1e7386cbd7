"""The sandbox's PagerDuty account: one service per repository, incidents, and the API."""

from ingestion.sandbox.pagerduty.api import PagerDutyApi
from ingestion.sandbox.pagerduty.generator import generate_pagerduty
from ingestion.sandbox.pagerduty.model import PagerDutyData

__all__ = ["PagerDutyApi", "PagerDutyData", "generate_pagerduty"]
