"""Keys for signed progress bundles: a department secret, and per trainee an enrolment card.

The department key (32 random bytes in a private file kept by the programme director, never in
the database) derives each trainee's bundle key: HMAC-SHA256(department key, ["bundle", trainee
uuid]). The director enrols a trainee (``imgtrainer trainees enrol``), which writes a card
holding that trainee's id, name, group and bundle key; on the trainee's laptop ``trainees
join CARD`` creates the same trainee (same UUID, so every row syncs into the right person)
and keeps the card in the private user data folder to sign ``progress export`` bundles.

What this buys: a bundle carried on a USB stick cannot be edited, or passed off as another
trainee's, by anyone who lacks that trainee's card or the department key. What it cannot buy:
the trainee holds their own card, so they can sign whatever their own laptop says about
themselves (as they could by practising with the answers open); the director's defence there
is supervised exams, whose results are signed under the proctor's key instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from imgtrainer.errors import StoreError
from imgtrainer.fileio import atomic_write_text

DEPT_FORMAT = "imgtrainer-department-key"
CARD_FORMAT = "imgtrainer-enrolment-card"


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def create_department_key(path: Path) -> bytes:
    """A new department key file (private, refused if the file exists)."""
    path = Path(path)
    if path.exists():
        raise StoreError(f"{path}: a department key already exists; it is never overwritten")
    key = os.urandom(32)
    atomic_write_text(path, json.dumps({"format": DEPT_FORMAT, "key": key.hex()}) + "\n", private=True)
    return key


def load_department_key(path: Path | None) -> bytes:
    from imgtrainer.store.config import load_config

    path = Path(path) if path else load_config().department_key
    if path is None:
        raise StoreError(
            "the department key is needed: give --department-key FILE (or store.department_key in the config)"
        )
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != DEPT_FORMAT:
            raise ValueError
        key = bytes.fromhex(data["key"])
        if len(key) != 32:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{path}: not a readable imgtrainer department key file") from None
    return key


def trainee_key(department_key: bytes, trainee_uuid: str) -> bytes:
    return hmac.new(department_key, canonical(["bundle", trainee_uuid]), hashlib.sha256).digest()


def make_card(department_key: bytes, trainee: dict) -> dict:
    return {
        "format": CARD_FORMAT,
        "trainee": trainee,
        "key": trainee_key(department_key, trainee["id"]).hex(),
    }


def cards_dir() -> Path:
    from imgtrainer.resources import data_dir

    return data_dir() / "enrolment"


def read_card(path: Path) -> dict:
    try:
        card = json.loads(Path(path).read_text(encoding="utf-8"))
        if card.get("format") != CARD_FORMAT or len(bytes.fromhex(card["key"])) != 32:
            raise ValueError
        t = card["trainee"]
        if not (isinstance(t.get("id"), str) and isinstance(t.get("name"), str)):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise StoreError(f"{path}: not a readable imgtrainer enrolment card") from None
    return card


def keep_card(card: dict) -> Path:
    """Store a joined trainee's card in the private user data folder."""
    return atomic_write_text(
        cards_dir() / f"{card['trainee']['id']}.json", json.dumps(card) + "\n", private=True
    )


def card_for(trainee_uuid: str) -> dict:
    path = cards_dir() / f"{trainee_uuid}.json"
    if not path.is_file():
        raise StoreError(
            "this trainee is not enrolled on this computer: the programme director makes an enrolment "
            "card (`imgtrainer trainees enrol`), then run `imgtrainer trainees join CARD`"
        )
    return read_card(path)
