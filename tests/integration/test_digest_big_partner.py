"""The digest transcripts again, as a big partner's digest computes them.

Past ``FULL_OPEN_MAP`` open subscribers a digest keeps only the recently changed in its summary
and compares only those with the previous digest (``onboarding.digest._open_subscribers``). The
limit is set to 0 here, so the same transcripts run that way: new errors, the resolved (a retry
under a new subscriber id too), quiet digests and the summaries must come out the same.
"""

from __future__ import annotations

import pytest

import onboarding.digest
from tests.integration.test_digest_content import *  # noqa: F403
from tests.integration.test_digest_webex_sync import *  # noqa: F403


@pytest.fixture(autouse=True)
def _windowed_summaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onboarding.digest, "FULL_OPEN_MAP", 0)
