"""Eligibility rules: a small boolean query language and the rule set built from config.

Pure domain code: no I/O, no user interface. The config loader keeps the parsed
``[[rules]]`` array and ``[highlight]`` table (plain dicts and lists from tomllib);
:func:`load_rules` (or :func:`rules_of` on a `Config`) validates them and returns a
:class:`RuleSet`.

Modules, bottom to top:

* :mod:`.text` — folding (case, diacritics) and the regex of a term or phrase.
* :mod:`.syntax` — the query language: tokenizer, parser, query tree, RuleSyntaxError.
* :mod:`.query` — a query tree compiled into predicates over a record's folded fields.
* :mod:`.criteria` — what one rule tests: a query, years, languages, publication types.
* :mod:`.ruleset` — rules, hits, the RuleSet: evaluation, highlighting, prior scores.
* :mod:`.load` — ``[[rules]]``/``[highlight]`` validated into a RuleSet (ConfigError);
  :func:`rules_of` takes them from a loaded `Config`.
"""

from __future__ import annotations

from screener.rules.load import load_rules, rules_of
from screener.rules.query import Query, parse_query
from screener.rules.ruleset import Action, Rule, RuleHit, RuleReport, RuleSet
from screener.rules.syntax import FIELDS, And, Near, Not, Or, RuleSyntaxError, Term
from screener.rules.text import fold

__all__ = [
    "FIELDS",
    "Action",
    "And",
    "Near",
    "Not",
    "Or",
    "Query",
    "Rule",
    "RuleHit",
    "RuleReport",
    "RuleSet",
    "RuleSyntaxError",
    "Term",
    "fold",
    "load_rules",
    "parse_query",
    "rules_of",
]
