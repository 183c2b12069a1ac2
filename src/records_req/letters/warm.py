"""What every letter needs once per process, done on import: reportlab and the fonts, the Word
template, the laws, the topics and the wording templates, by rendering a sample letter.

Only the campaign's forkserver imports it (tracker.campaign.WORKER_PRELOAD), before it makes the
worker processes, which then start warm instead of each doing it on its first letter. It never
raises: a failure here only means the workers warm up as usual.
"""

from __future__ import annotations

import contextlib

from records_req.letters.check import sample_request
from records_req.letters.compose import compose
from records_req.letters.render import render


def warm() -> None:
    with contextlib.suppress(Exception):  # the workers warm up on their first letter instead
        render(compose(sample_request("TX", "initial")), ["docx", "pdf"])


warm()
