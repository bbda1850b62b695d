"""What kind of venue a paper appeared in: the one classifier the BibTeX export and the
meta tags share.

`Paper.venue` merges BibTeX's `journal` and `booktitle`, so its kind has to be guessed from
its words. Conference words win unless journal words are there too ("Proceedings of the
IEEE" is a journal; "Advances in Neural Information Processing Systems" is NeurIPS).
"""

from __future__ import annotations

import re
from typing import Literal

VenueKind = Literal["journal", "conference", "other"]

_JOURNAL = re.compile(
    r"journal|transactions|letters|review|magazine|annals|bulletin|quarterly|\bj\.|"
    r"\b(?:jmlr|tmlr|jair|pami|tacl|nature|science|pnas|plos|elife|cell)\b|"
    r"proceedings of the (?:ieee|national academy|royal society)",  # journals, despite the name
    re.IGNORECASE,
)
_CONFERENCE = re.compile(
    r"proceedings|conference|workshop|symposium|congress|advances in neural|"
    r"\b(?:proc|meeting|neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|eacl|coling|"
    r"aaai|ijcai|kdd|sigir|sigmod|www|interspeech|icassp|uai|aistats|colt|corl|rss|icra|iros|"
    r"miccai)\b",
    re.IGNORECASE,
)


def venue_kind(venue: str) -> VenueKind:
    """ "conference", "journal", or "other" (a preprint server, a report, a web page)."""
    journal = _JOURNAL.search(venue) is not None
    if _CONFERENCE.search(venue) and not journal:
        return "conference"
    return "journal" if journal else "other"
