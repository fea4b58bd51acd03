"""Every finding code a reader or rule emits is declared in the rule table."""

from __future__ import annotations

import re
from pathlib import Path

import sislink
from sislink.validate import RULES

PACKAGE = Path(sislink.__file__).parent
CODE = re.compile(r'(?:Finding\(\s*|code=)"([a-z]+(?:-[a-z]+)+)"')


def test_emitted_codes_declared() -> None:
    emitted = set()
    for path in PACKAGE.rglob("*.py"):
        emitted.update(CODE.findall(path.read_text(encoding="utf-8")))
    assert emitted, "the pattern found no finding codes"
    assert emitted <= RULES.keys(), sorted(emitted - RULES.keys())


def test_rules_have_message_fix_source() -> None:
    for rule in RULES.values():
        assert rule.message, rule.code
        assert rule.fix, rule.code
        assert rule.source, rule.code
