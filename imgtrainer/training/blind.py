"""What a trainee may see of a case before submitting it (pure, import-light).

A case's id, title and tags usually name the finding, and an indication such as "Lung ultrasound
at the bedside" answers the first I-AIM question (which application?). The app, the CLI and exam
screens show these neutral forms instead until the answers are in.
"""

from __future__ import annotations

import re


def case_label(case_id: str) -> str:
    """A neutral, stable name for a case the trainee has not finished: "Case 3fa9c2".

    The case id and title usually name the finding (the answer), so a trainee sees this label
    until they submit; the same case has the same label in the library and on the case page.
    """
    from hashlib import sha256

    return f"Case {sha256(case_id.encode('utf-8')).hexdigest()[:6]}"


# words that name an application: an indication saying "Lung ultrasound ..." answers the first
# I-AIM question ("which application?"), so it is held back until the case is submitted
_APPLICATION_WORDS = re.compile(
    r"\b(airway|lung|pleura\w*|gastric|stomach|cardiac|heart|echo\w*|focus|efast|fast)\b", re.IGNORECASE
)


def names_application(text: str) -> bool:
    """Whether ``text`` names an application (case-insensitive; "FAST" only in capitals)."""
    for m in _APPLICATION_WORDS.finditer(text):
        word = m.group(0)
        if word.lower() not in ("fast", "focus") or word.isupper() or word == "FoCUS":
            return True
    return False


def neutral_context(clinical_context: str, indication: str) -> str:
    """The clinical context a trainee may read before answering: the patient's story, or failing
    that the indication when it does not name the application."""
    context = (clinical_context or "").strip()
    if context:
        return context
    indication = (indication or "").strip()
    return "" if names_application(indication) else indication
