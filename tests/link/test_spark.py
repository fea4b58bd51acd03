"""The stored model on Splink's Spark backend scores exactly as on DuckDB.

Both weigh names by the same name-frequency tables, counted on the index.

Spark runs in local mode inside the test, with the similarity functions
from the jar Splink ships. It needs Java; without it the test is skipped,
except on CI, where it must run.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from sislink.link import frequencies
from sislink.link.engine import Engine, IndexRows, Thresholds
from sislink.link.features import (
    FEATURE_COLUMNS,
    LIST_COLUMNS,
    Person,
    feature_columns,
)
from sislink.link.model import default_model, for_dialect
from sislink.link.synthetic import build_linkage_set

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("Java is missing; CI must run the Spark test", pytrace=False)
        pytest.skip("Spark needs Java, which is not installed")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master("local[2]")
        .appName("sislink-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("checkpoints")))
    yield session
    session.stop()


def test_spark_scores_like_duckdb(spark: Any) -> None:
    from splink import Linker, SparkAPI

    data = build_linkage_set(3_000, 600, seed=7)
    model = for_dialect(default_model(), "spark")
    model["probability_two_random_records_match"] = 0.5 / len(data.district)
    database = SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call]
    left = database.register(_frame(spark, data.district, "i"), table_name="a_index")
    right = database.register(
        _frame(spark, data.incoming, "n"), table_name="b_incoming"
    )
    linker = Linker([left, right], model, log_level=logging.WARNING)
    names = frequencies.of_people(data.district)
    frequencies.attach(linker, frequencies.lookup_tables(database, names))

    pairs = linker.inference.predict(threshold_match_probability=0.001)

    on_spark = _best(pairs.as_record_list())
    on_duckdb = _duckdb_best(data.district, data.incoming)
    assert len(on_duckdb) > len(data.incoming) // 2
    assert on_spark.keys() == on_duckdb.keys()
    for incoming_id, (entity, weight) in on_duckdb.items():
        assert on_spark[incoming_id][0] == entity, incoming_id
        assert on_spark[incoming_id][1] == pytest.approx(weight, abs=1e-6)


def _frame(spark: Any, people: list[Person], prefix: str) -> Any:
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    columns = feature_columns(people)
    columns["unique_id"] = [f"{prefix}{value}" for value in columns["unique_id"]]
    rows = [
        dict(zip(columns, values, strict=True))
        for values in zip(*columns.values(), strict=True)
    ]
    schema = StructType(
        [
            StructField(
                name,
                ArrayType(StringType()) if name in LIST_COLUMNS else StringType(),
            )
            for name in FEATURE_COLUMNS
        ]
    )
    return spark.createDataFrame(rows, schema)


def _best(rows: list[dict[str, Any]]) -> dict[str, tuple[str, float]]:
    """Return each incoming id's best index id and match weight."""
    best: dict[str, tuple[str, float]] = {}
    for row in rows:
        incoming_id = str(row["unique_id_r"])[1:]
        weight = float(row["match_weight"])
        if incoming_id not in best or weight > best[incoming_id][1]:
            best[incoming_id] = (str(row["unique_id_l"])[1:], weight)
    return best


def _duckdb_best(
    district: list[Person], incoming: list[Person]
) -> dict[str, tuple[str, float]]:
    index = IndexRows()
    for person in district:
        index.add(person, person.unique_id)
    model = frequencies.with_frequencies(
        default_model(), frequencies.of_people(district)
    )
    decisions = Engine(model, Thresholds()).run(index, incoming)
    return {
        d.incoming_id: (d.candidate.entity, d.candidate.weight)
        for d in decisions
        if d.candidate is not None
    }


def test_other_dialect_keeps_trained_values() -> None:
    stored = default_model()

    rewritten = for_dialect(stored, "spark")

    pairs = zip(stored["comparisons"], rewritten["comparisons"], strict=True)
    for old, new in pairs:
        levels = zip(old["comparison_levels"], new["comparison_levels"], strict=True)
        for old_level, new_level in levels:
            assert old_level.get("m_probability") == new_level.get("m_probability")
            assert old_level.get("u_probability") == new_level.get("u_probability")
    assert (
        "`" in rewritten["blocking_rules_to_generate_predictions"][-1]["blocking_rule"]
    )


def test_other_dialect_rejects_a_model_of_other_levels() -> None:
    stored = default_model()
    stored["comparisons"][0]["comparison_levels"].pop()

    with pytest.raises(ValueError, match="train the model again"):
        for_dialect(stored, "spark")
