"""Validation rules and the findings they produce."""

from sislink.validate.rules import RULES, Rule

__all__ = ["RULES", "Rule"]
