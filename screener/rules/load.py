"""``[[rules]]`` and ``[highlight]`` as parsed from config.toml → a validated :class:`RuleSet`.

The config loader keeps these tables as plain dicts and lists (tomllib's); they are
validated here, by :func:`load_rules`, and every error is a ConfigError naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from screener.config import Config
from screener.errors import ConfigError
from screener.rules.criteria import (
    Criterion,
    Languages,
    PublicationTypes,
    QueryCriterion,
    YearRange,
)
from screener.rules.query import any_predicate, parse_query, term_predicate
from screener.rules.ruleset import Action, HighlightTerm, Rule, RuleSet
from screener.rules.syntax import RuleSyntaxError
from screener.rules.text import fold, term_pattern

_CRITERIA: Final = ("query", "years", "languages", "publication_types")
_RULE_KEYS: Final = ("name", "action", "reason", "kind", *_CRITERIA)
_KINDS: Final = ("include", "exclude")


def _highlight_term(text: str, kind: str) -> HighlightTerm | None:
    pattern = term_pattern(text)
    if pattern is None:
        return None
    return HighlightTerm(text, kind, re.compile(pattern.bounded), pattern.literal)


def _string_list(value: Any, key: str, who: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{who}must be a non-empty list of strings", key=key)
    for j, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{who}item {j + 1} must be a non-empty string", key=key)
    return [item.strip() for item in value]


def _load_highlight(highlight: Mapping[str, Any] | None) -> list[HighlightTerm]:
    if highlight is None:
        return []
    if not isinstance(highlight, Mapping):
        raise ConfigError("must be a table with include and exclude lists", key="highlight")
    terms: list[HighlightTerm] = []
    for key, value in highlight.items():
        if key not in _KINDS:
            raise ConfigError(
                f"unknown key {key!r} (allowed: include, exclude)", key=f"highlight.{key}"
            )
        if not isinstance(value, list):
            raise ConfigError("must be a list of terms", key=f"highlight.{key}")
        for j, item in enumerate(value):
            where = f"highlight.{key}[{j}]"
            if not isinstance(item, str):
                raise ConfigError("must be a string", key=where)
            text = item.strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1].strip()
            term = _highlight_term(text, key)
            if term is None:
                raise ConfigError(f"term {item!r} has no letters or digits", key=where)
            terms.append(term)
    return terms


def _load_rule(i: int, raw: Any, seen: set[str]) -> Rule:
    base = f"rules[{i}]"
    if not isinstance(raw, Mapping):
        raise ConfigError("must be a table ([[rules]])", key=base)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("every rule needs a non-empty name", key=f"{base}.name")
    name = name.strip()
    who = f'rule "{name}": '
    if name in seen:
        raise ConfigError(f"{who}duplicate rule name", key=f"{base}.name")
    seen.add(name)
    for key in raw:
        if key not in _RULE_KEYS:
            allowed = ", ".join(_RULE_KEYS)
            raise ConfigError(f"{who}unknown key {key!r} (allowed: {allowed})", key=f"{base}.{key}")

    action_raw = raw.get("action")
    if action_raw is None:
        raise ConfigError(
            f"{who}action is required (highlight, flag or exclude)", key=f"{base}.action"
        )
    try:
        action = Action(str(action_raw).strip().lower())
    except ValueError:
        raise ConfigError(
            f"{who}unknown action {action_raw!r} (expected highlight, flag or exclude)",
            key=f"{base}.action",
        ) from None

    reason = raw.get("reason", "")
    if not isinstance(reason, str):
        raise ConfigError(f"{who}reason must be a string", key=f"{base}.reason")
    reason = reason.strip()
    if action is not Action.HIGHLIGHT and not reason:
        raise ConfigError(
            f"{who}a {action} rule needs a reason (the exclusion reason it "
            f"{'suggests' if action is Action.FLAG else 'applies'})",
            key=f"{base}.reason",
        )

    kind = raw.get("kind", "include")
    if "kind" in raw and action is not Action.HIGHLIGHT:
        raise ConfigError(f"{who}kind only applies to highlight rules", key=f"{base}.kind")
    if kind not in _KINDS:
        raise ConfigError(
            f"{who}unknown kind {kind!r} (expected include or exclude)", key=f"{base}.kind"
        )

    present = [k for k in _CRITERIA if k in raw]
    if not present:
        raise ConfigError(
            f"{who}needs one criterion: query, years, languages or publication_types", key=base
        )
    if len(present) > 1:
        raise ConfigError(
            f"{who}has both {present[0]!r} and {present[1]!r}; use one criterion per rule",
            key=f"{base}.{present[1]}",
        )
    criterion_key = present[0]
    key = f"{base}.{criterion_key}"
    value = raw[criterion_key]
    if action is Action.HIGHLIGHT and criterion_key != "query":
        raise ConfigError(f"{who}a highlight rule needs a query (terms to highlight)", key=key)

    criterion: Criterion
    if criterion_key == "query":
        if not isinstance(value, str):
            raise ConfigError(f"{who}query must be a string", key=key)
        try:
            criterion = QueryCriterion(parse_query(value))
        except RuleSyntaxError as err:
            raise ConfigError(f"{who}{err}", key=key) from err
    elif criterion_key == "years":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in value)
        ):
            raise ConfigError(f"{who}years must be [first, last], two whole years", key=key)
        if value[0] > value[1]:
            raise ConfigError(f"{who}years [{value[0]}, {value[1]}] is backwards", key=key)
        criterion = YearRange(value[0], value[1])
    elif criterion_key == "languages":
        shown = _string_list(value, key, who)
        criterion = Languages(frozenset(fold(s) for s in shown), tuple(shown))
    else:
        shown = _string_list(value, key, who)
        for j, item in enumerate(shown):
            if term_pattern(item) is None:
                raise ConfigError(f"{who}item {j + 1} {item!r} has no letters or digits", key=key)
        predicate = any_predicate([term_predicate("type", item) for item in shown])
        criterion = PublicationTypes(tuple(shown), predicate)
    return Rule(name, action, reason, criterion, kind)


def load_rules(
    rules: Sequence[Mapping[str, Any]] | None, highlight: Mapping[str, Any] | None
) -> RuleSet:
    """Validate ``[[rules]]`` and ``[highlight]`` as parsed by tomllib; raise ConfigError."""
    if rules is None:
        rules = []
    if not isinstance(rules, list | tuple):
        raise ConfigError("must be an array of tables ([[rules]])", key="rules")
    seen: set[str] = set()
    loaded = [_load_rule(i, raw, seen) for i, raw in enumerate(rules)]
    terms = _load_highlight(highlight)
    for r in loaded:
        if r.action is Action.HIGHLIGHT and r.query is not None:
            for query_term in r.query.terms():
                term = _highlight_term(query_term.text, r.kind)
                if term is not None:
                    terms.append(term)
    # one entry per distinct pattern and kind, in config order
    unique: dict[tuple[str, str], HighlightTerm] = {}
    for t in terms:
        unique.setdefault((t.kind, t.regex.pattern), t)
    return RuleSet(loaded, list(unique.values()))


def rules_of(config: Config) -> RuleSet:
    """The rule set of `config`'s ``[[rules]]`` and ``[highlight]``; raises ConfigError.

    `load_config` keeps these tables as parsed: whoever opens a review calls this too, so a
    bad rule is refused as soon as the config is read (as `screener.project` does).
    """
    return load_rules(list(config.rules), dict(config.highlight))
