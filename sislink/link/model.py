"""The Splink model of the person index: comparisons, blocking rules, training.

Comparisons and blocking rules use only equality on the features of
``sislink.link.features`` and Splink's own comparison levels (Jaro-Winkler,
Levenshtein, Damerau-Levenshtein, array intersection), which Splink writes
in each backend's SQL dialect. So a model trained here on DuckDB predicts
unchanged on Splink's Spark backend (``SparkAPI``), where Damerau-Levenshtein
comes from the similarity jar that ``SparkAPI`` registers by default.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from sislink.link.frequencies import MINIMUM_NAME_FREQUENCY

log = logging.getLogger(__name__)

DEFAULT_MODEL_FILE = "default_model.json"

LAMBDA_PRIOR = 0.0001
"""Prior probability that two random records are one child, before training."""

MINIMUM_M = 0.0005
"""Floor on a trained m probability, so that no level rules a match out alone.

EM on data without a single example of a level (an SSID on the wrong child,
say) drives its m probability to 0 and its weight to minus infinity. The
floor keeps such evidence strong but finite.
"""

DIFFERENT_FIRST_NAME_M = 0.005
"""Assumed share of one child's record pairs with unrelated first names.

EM would learn it from data in which twins (same surname, birth date and
address) look like one child with two first names, and so would weaken the
one field that tells twins apart. This is an assumption, not an estimate.
"""

OTHER_ENDING_M = 0.00001
"""Assumed share of one child's record pairs whose first names differ only
in a gendered ending. Such pairs are almost always two children, often
twins; EM on unlabelled data would learn them from twins as one child."""

DIFFERENT_SSID_M = 0.002
"""Assumed share of one child's record pairs with unrelated SSIDs (an SSID
on the wrong child, or a retired one without its replacement). An
assumption, for the same reason as ``DIFFERENT_FIRST_NAME_M``."""

MINIMUM_U = 0.00001
"""Floor on a u probability estimated from few pairs, so none is 0."""

GUARDIANS_OF_SIBLINGS = "first names differ: guardians not weighed"
"""Siblings, twins among them, share their guardians. Records with other
first names are either one child with a changed first name or two
siblings, and guardians cannot tell which, so they are weighed only when
the first names agree (as they are or through a nickname)."""

GUARDIAN_IN_COMMON = "a guardian in common (first name and surname)"
GUARDIAN_FIRST_NAME_IN_COMMON = "a guardian's first name in common, another surname"
NO_GUARDIAN_IN_COMMON = "no guardian in common"

NO_GUARDIAN_IN_COMMON_M = 0.1
"""Assumed share of one child's record pairs, both naming guardians, with no
guardian in common: custody changed, foster care, or each record names
another parent. Fixed, as EM on records that never show it (one system
copying the other's guardians) drives it to 0 and fails."""

GUARDIAN_SURNAME_CHANGED_M = 0.01
"""Assumed share of one child's record pairs whose guardian has the same
first name and another surname (married, or a surname part dropped). Fixed
for the same reason as ``NO_GUARDIAN_IN_COMMON_M``."""

TRAINING_U_PAIRS = 2_000_000
"""Random pairs sampled to estimate the u probabilities."""


def _level(level: Any, label: str, m: float, u: float, *, fixed: bool = False) -> Any:
    return level.configure(
        m_probability=m,
        u_probability=u,
        label_for_charts=label,
        fix_m_probability=fixed,
    )


def _same_name(column: str, label: str, m: float, u: float) -> Any:
    """Return the exact level of a name, weighed by how common the name is.

    Only the first name is weighed so (``TERM_FREQUENCY_COLUMNS``).
    """
    level = cll.ExactMatchLevel(column, term_frequency_adjustments=True)
    return _level(level, label, m, u).configure(
        tf_minimum_u_value=MINIMUM_NAME_FREQUENCY
    )


def _first_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_description="first name",
        comparison_levels=[
            cll.NullLevel("first_name").configure(
                label_for_charts="first name missing", is_null_level=True
            ),
            _same_name("first_name", "same first name", 0.85, 0.01),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "first and last names swapped",
                0.01,
                0.00001,
            ),
            _level(
                cll.ExactMatchLevel("first_name_group"),
                "nickname or first word of the same first name",
                0.06,
                0.01,
            ),
            _level(
                cll.ExactMatchLevel("first_name_stem"),
                "one first name with another gendered ending (Fernando, Fernanda)",
                OTHER_ENDING_M,
                0.002,
                fixed=True,
            ),
            _level(
                cll.JaroWinklerLevel("first_name", 0.92),
                "first name spelled alike (Jaro-Winkler >= 0.92)",
                0.04,
                0.005,
            ),
            _level(
                cll.ElseLevel(),
                "different first name",
                DIFFERENT_FIRST_NAME_M,
                0.975,
                fixed=True,
            ),
        ],
    )


def _middle_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_description="middle name",
        comparison_levels=[
            cll.NullLevel("middle_name").configure(
                label_for_charts="middle name missing", is_null_level=True
            ),
            _level(cll.ExactMatchLevel("middle_name"), "same middle name", 0.9, 0.01),
            _level(
                cll.JaroWinklerLevel("middle_name", 0.92),
                "middle name spelled alike (Jaro-Winkler >= 0.92)",
                0.05,
                0.005,
            ),
            _level(cll.ElseLevel(), "different middle name", 0.05, 0.985),
        ],
    )


def _surname() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="surname",
        comparison_levels=[
            cll.NullLevel("surname").configure(
                label_for_charts="surname missing", is_null_level=True
            ),
            _level(cll.ExactMatchLevel("surname"), "same surname", 0.85, 0.01),
            _level(
                cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
                "first and last names swapped",
                0.01,
                0.00001,
            ),
            _level(
                cll.ExactMatchLevel("surname_sorted"),
                "same surname parts in another order",
                0.02,
                0.0001,
            ),
            _level(
                cll.CustomLevel(
                    '"surname_l" = "surname_first_part_r" '
                    'OR "surname_l" = "surname_last_part_r" '
                    'OR "surname_r" = "surname_first_part_l" '
                    'OR "surname_r" = "surname_last_part_l"',
                    base_dialect_str="duckdb",
                ),
                "one surname is a part of the other, compound one",
                0.04,
                0.005,
            ),
            _level(
                cll.JaroWinklerLevel("surname", 0.92),
                "surname spelled alike (Jaro-Winkler >= 0.92)",
                0.04,
                0.005,
            ),
            _level(
                cll.DamerauLevenshteinLevel("surname", 1),
                "surname one letter apart (Damerau-Levenshtein 1)",
                0.01,
                0.002,
            ),
            _level(
                cll.ArrayIntersectLevel("surname_parts", 1),
                "two compound surnames with one part in common",
                0.02,
                0.01,
            ),
            _level(cll.ElseLevel(), "different surname", 0.03, 0.975),
        ],
    )


def _birth_date() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="birth date",
        comparison_levels=[
            cll.NullLevel("birth_date").configure(
                label_for_charts="birth date missing", is_null_level=True
            ),
            _level(cll.ExactMatchLevel("birth_date"), "same birth date", 0.95, 0.0003),
            _level(
                cll.CustomLevel(
                    '"birth_date_l" = "birth_date_swapped_r"', base_dialect_str="duckdb"
                ),
                "day and month swapped",
                0.01,
                0.0003,
            ),
            _level(
                cll.And(
                    cll.ExactMatchLevel("birth_year"),
                    cll.DamerauLevenshteinLevel("birth_date", 1),
                ),
                "same birth year, month or day one digit apart",
                0.03,
                0.004,
            ),
            _level(cll.ElseLevel(), "different birth date", 0.01, 0.99),
        ],
    )


def _ssid() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="ssid",
        comparison_description="state student id",
        comparison_levels=[
            cll.NullLevel("ssid").configure(
                label_for_charts="state student id missing", is_null_level=True
            ),
            _level(cll.ExactMatchLevel("ssid"), "same state student id", 0.97, 1e-6),
            _level(
                cll.DamerauLevenshteinLevel("ssid", 1),
                "state student id one digit or one transposition apart",
                0.02,
                1e-5,
            ),
            _level(
                cll.ElseLevel(),
                "different state student id",
                DIFFERENT_SSID_M,
                0.99999,
                fixed=True,
            ),
        ],
    )


def _guardians() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="guardians",
        comparison_description="parents or guardians",
        comparison_levels=[
            cll.NullLevel("guardian_first_names").configure(
                label_for_charts="guardians missing", is_null_level=True
            ),
            cll.CustomLevel(
                '"first_name_group_l" <> "first_name_group_r"',
                base_dialect_str="duckdb",
            ).configure(label_for_charts=GUARDIANS_OF_SIBLINGS, is_null_level=True),
            _level(
                cll.ArrayIntersectLevel("guardian_names", 1),
                GUARDIAN_IN_COMMON,
                0.8,
                0.05,
            ),
            _level(
                cll.ArrayIntersectLevel("guardian_first_names", 1),
                GUARDIAN_FIRST_NAME_IN_COMMON,
                GUARDIAN_SURNAME_CHANGED_M,
                0.02,
                fixed=True,
            ),
            _level(
                cll.ElseLevel(),
                NO_GUARDIAN_IN_COMMON,
                NO_GUARDIAN_IN_COMMON_M,
                0.93,
                fixed=True,
            ),
        ],
    )


def _exact(column: str, description: str, m: float, u: float) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[
            cll.NullLevel(column).configure(
                label_for_charts=f"{description} missing", is_null_level=True
            ),
            _level(cll.ExactMatchLevel(column), f"same {description}", m, u),
            _level(cll.ElseLevel(), f"different {description}", 1 - m, 1 - u),
        ],
    )


@dataclass(frozen=True, slots=True)
class BlockingKey:
    """One blocking rule as data: pairs whose key columns are all equal.

    ``index_columns`` are read on the index (left) side and
    ``incoming_columns`` on the incoming (right) side. They differ only for
    a rule that compares across columns, such as swapped names. A record
    with any key column missing has no key for that rule.
    """

    name: str
    index_columns: tuple[str, ...]
    incoming_columns: tuple[str, ...]

    def rule(self) -> Any:
        """Return the rule as a Splink blocking rule."""
        if self.index_columns == self.incoming_columns:
            return block_on(*self.index_columns)
        sql = " AND ".join(
            f'l."{left}" = r."{right}"'
            for left, right in zip(
                self.index_columns, self.incoming_columns, strict=True
            )
        )
        return CustomRule(sql, sql_dialect="duckdb")


def _same(*columns: str) -> BlockingKey:
    return BlockingKey("+".join(columns), columns, columns)


BLOCKING_KEYS = (
    _same("ssid"),
    _same("ssid_head", "birth_year"),
    _same("ssid_tail", "birth_year"),
    _same("ssid_ends", "birth_year"),
    _same("first_name_group", "birth_date"),
    _same("surname_first_part", "birth_date"),
    _same("surname_last_part", "birth_date"),
    _same("first_name_group", "surname", "birth_year"),
    _same("first_name_group", "surname_first_part", "postal_code"),
    BlockingKey(
        "names-swapped",
        ("first_name", "surname", "birth_year"),
        ("surname", "first_name", "birth_year"),
    ),
)
"""The pairs the model compares: those that share at least one key."""


def blocking_rules() -> list[Any]:
    """Return the rules that choose the pairs to compare, each plain equality."""
    return [key.rule() for key in BLOCKING_KEYS]


def settings_creator(link_type: str = "link_only") -> SettingsCreator:
    """Return the untrained model: comparisons with priors and blocking rules."""
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            _first_name(),
            _middle_name(),
            _surname(),
            _birth_date(),
            _exact("gender", "gender", 0.97, 0.5),
            _exact("postal_code", "postal code", 0.8, 0.05),
            _ssid(),
            _guardians(),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=LAMBDA_PRIOR,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def untrained_model() -> dict[str, Any]:
    """Return the untrained model as a Splink settings dictionary (DuckDB dialect)."""
    return settings_creator().create_settings_dict("duckdb")


def default_model() -> dict[str, Any]:
    """Return the model shipped with sislink, trained on generated students."""
    import json

    path = resources.files("sislink.link") / "data" / DEFAULT_MODEL_FILE
    if not path.is_file():
        return untrained_model()
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def with_link_type(model: dict[str, Any], link_type: str) -> dict[str, Any]:
    """Return a copy of ``model`` for another link type (link_only, dedupe_only)."""
    changed = copy.deepcopy(model)
    changed["link_type"] = link_type
    return changed


def for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """Return ``model`` with its SQL written for another Splink backend.

    A stored model is a settings dictionary in DuckDB's dialect. This builds
    the same comparisons and blocking rules in ``dialect`` (``spark``, for
    example) and carries over the trained m and u probabilities, the prior
    and the link type. The stored name frequencies are not settings: give
    them to the other backend's linker with ``frequencies.attach``. Raises
    ``ValueError`` when the stored comparisons or their levels differ from
    the ones sislink builds now.
    """
    rewritten = settings_creator(
        model.get("link_type", "link_only")
    ).create_settings_dict(dialect)
    stored, built = model["comparisons"], rewritten["comparisons"]
    if [c["output_column_name"] for c in stored] != [
        c["output_column_name"] for c in built
    ]:
        raise ValueError("the stored model's comparisons differ from sislink's")
    for old, new in zip(stored, built, strict=True):
        old_labels = [
            level.get("label_for_charts") for level in old["comparison_levels"]
        ]
        new_labels = [
            level.get("label_for_charts") for level in new["comparison_levels"]
        ]
        if old_labels != new_labels:
            raise ValueError(
                f"the stored model's levels of {old['output_column_name']} differ "
                "from sislink's: train the model again"
            )
        for old_level, new_level in zip(
            old["comparison_levels"], new["comparison_levels"], strict=True
        ):
            for name in ("m_probability", "u_probability"):
                if name in old_level:
                    new_level[name] = old_level[name]
    rewritten["probability_two_random_records_match"] = model[
        "probability_two_random_records_match"
    ]
    return rewritten


def floor_m_probabilities(model: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``model`` with every estimated m floored at ``MINIMUM_M``.

    Levels whose m probability is fixed keep it. The estimated m of each
    comparison are then scaled so that its m probabilities add up to 1:
    expectation maximisation estimates them beside the fixed ones as if
    those were not there.
    """
    changed = copy.deepcopy(model)
    for comparison in changed["comparisons"]:
        estimated = []
        fixed_total = 0.0
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if m is None or level.get("is_null_level"):
                continue
            if level.get("fix_m_probability"):
                fixed_total += float(m)
            else:
                level["m_probability"] = max(float(m), MINIMUM_M)
                estimated.append(level)
        estimated_total = sum(level["m_probability"] for level in estimated)
        if estimated and fixed_total < 1.0:
            scale = (1.0 - fixed_total) / estimated_total
            for level in estimated:
                level["m_probability"] *= scale
    return changed
