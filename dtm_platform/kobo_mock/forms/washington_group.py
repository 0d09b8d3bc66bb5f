"""The Washington Group short set on disability (WG-SS) as the programme's forms ask it: six
domains of functioning, each answered on the same four-point scale. The activity monitoring
form asks it of each beneficiary (inside its repeat), the PDM and perception forms of the
respondent. The platform derives a disability status from the answers in dbt
(``macros/disability.sql``); the generator only draws answers that meet the WG-SS cut-off, or
do not, as it intends, and records that intent as the truth.
"""

from __future__ import annotations

import random

from dtm_platform.kobo_mock.forms import common as c

LIST_NAME = "wg_difficulty"
DOMAINS = [
    ("wg_seeing", "Difficulty seeing, even if wearing glasses?", "Difficulté à voir, même avec des lunettes ?"),
    (
        "wg_hearing",
        "Difficulty hearing, even if using a hearing aid?",
        "Difficulté à entendre, même avec un appareil auditif ?",
    ),
    ("wg_walking", "Difficulty walking or climbing steps?", "Difficulté à marcher ou à monter des marches ?"),
    ("wg_cognition", "Difficulty remembering or concentrating?", "Difficulté à se souvenir ou à se concentrer ?"),
    (
        "wg_selfcare",
        "Difficulty with self-care, such as washing or dressing?",
        "Difficulté à prendre soin de soi, comme se laver ou s'habiller ?",
    ),
    (
        "wg_communication",
        "Difficulty communicating, in your usual language?",
        "Difficulté à communiquer, dans votre langue habituelle ?",
    ),
]
DIFFICULTY = [
    ("no_difficulty", "No difficulty", "Aucune difficulté"),
    ("some_difficulty", "Some difficulty", "Quelques difficultés"),
    ("a_lot_of_difficulty", "A lot of difficulty", "Beaucoup de difficultés"),
    ("cannot_do", "Cannot do at all", "Ne peut pas du tout"),
]
NAMES = [name for name, _, _ in DOMAINS]


def questions(group: str, **extra) -> list[dict]:
    """The six questions in the group ``group`` (a path: ``beneficiaries/grp_wg``)."""
    return c.group(
        group,
        "Washington Group short set (optional)",
        "Questions courtes du Washington Group (facultatif)",
        [c.row("select_one", f"{group}/{name}", en, fr, select_from_list_name=LIST_NAME) for name, en, fr in DOMAINS],
        **extra,
    )


def answers(rng: random.Random, disability: bool) -> dict[str, str]:
    """Answers that meet the WG-SS cut-off (at least one domain with a lot of difficulty or
    that cannot be done at all) when ``disability``, and do not otherwise."""
    drawn = {name: rng.choices(("no_difficulty", "some_difficulty"), weights=(85, 15))[0] for name in NAMES}
    if disability:
        for name in rng.sample(NAMES, rng.randint(1, 2)):
            drawn[name] = rng.choice(("a_lot_of_difficulty", "cannot_do"))
    return drawn


def below_cutoff(drawn: dict[str, str]) -> dict[str, str]:
    """The same answers with every domain at the cut-off lowered to some difficulty: a person
    who calls themself disabled while no domain reaches the cut-off."""
    return {
        name: "some_difficulty" if answer in ("a_lot_of_difficulty", "cannot_do") else answer
        for name, answer in drawn.items()
    }
