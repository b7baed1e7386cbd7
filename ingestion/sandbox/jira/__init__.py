"""The sandbox's Jira Cloud site: generated projects, workflows, issues and their API."""

from ingestion.sandbox.jira.api import JiraApi
from ingestion.sandbox.jira.generator import generate_jira, write_bookings_csv
from ingestion.sandbox.jira.model import JiraData

__all__ = ["JiraApi", "JiraData", "generate_jira", "write_bookings_csv"]
