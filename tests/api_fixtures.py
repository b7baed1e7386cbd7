"""Where the real tools' API descriptions live: `shared/fixtures/apis` beside the repository
(as CI lays it out), or `VSM_API_FIXTURES`."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
API_FIXTURES = Path(
    os.environ.get("VSM_API_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures" / "apis")
)
