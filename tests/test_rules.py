"""Eligibility rules: query parsing, validation, evaluation, highlighting, scoring."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.errors import ConfigError, ScreenerError
from screener.model import Record
from screener.rules import (
    Action,
    And,
    Near,
    Not,
    Or,
    RuleHit,
    RuleSet,
    RuleSyntaxError,
    Term,
    fold,
    load_rules,
    parse_query,
)

ANIMAL_QUERY = (
    "(title:(rat OR rats OR mice OR murine OR rodent*) OR abstract:(rat OR rats OR mice)) "
    "AND NOT any:(patient* OR human* OR participant*)"
)

CONFIG_RULES: list[dict[str, Any]] = [
    {
        "name": "animal-study",
        "action": "flag",
        "reason": "Preclinical animal study",
        "query": ANIMAL_QUERY,
    },
    {
        "name": "date-range",
        "action": "flag",
        "reason": "Outside date range 1973–Nov 2021",
        "years": [1973, 2021],
    },
    {
        "name": "english",
        "action": "flag",
        "reason": "No English abstract",
        "languages": ["English", "eng", "en"],
    },
    {
        "name": "publication-type",
        "action": "flag",
        "reason": "No original data",
        "publication_types": ["review", "editorial", "comment*", "letter"],
    },
]

CONFIG_HIGHLIGHT: dict[str, Any] = {
    "include": ["ketamine", "psychotherap*", "cognitive behavio?ral therapy", "mindfulness"],
    "exclude": ["rat", "rats", "mice", "murine", "rodent*", "recreational"],
}


def rec(
    title: str = "",
    abstract: str = "",
    *,
    keywords: list[str] | None = None,
    year: int | None = 2010,
    language: str = "English",
    publication_type: str = "Journal Article",
) -> Record:
    return Record(
        title=title,
        abstract=abstract,
        keywords=keywords or [],
        year=year,
        language=language,
        publication_type=publication_type,
    )


def matches(query: str, record: Record) -> bool:
    return parse_query(query).matches(record)


@pytest.fixture()
def ruleset() -> RuleSet:
    return load_rules(CONFIG_RULES, CONFIG_HIGHLIGHT)


# --------------------------------------------------------------------------- parser


class TestParser:
    def test_single_term(self) -> None:
        query = parse_query("ketamine")
        assert query.root == Term("ketamine", "any", False, 1)
        assert str(query) == "ketamine"

    def test_not_binds_tighter_than_and_tighter_than_or(self) -> None:
        assert str(parse_query("a OR b AND NOT c")) == "a OR (b AND NOT c)"
        assert str(parse_query("NOT a AND b OR c")) == "(NOT a AND b) OR c"

    def test_tree_shape(self) -> None:
        root = parse_query("a OR b AND NOT c").root
        assert isinstance(root, Or)
        left, right = root.items
        assert isinstance(left, Term) and left.text == "a"
        assert isinstance(right, And)
        assert isinstance(right.items[1], Not)

    def test_keywords_are_case_insensitive(self) -> None:
        assert str(parse_query("a or b and not c")) == "a OR (b AND NOT c)"

    def test_implicit_and(self) -> None:
        assert str(parse_query("ketamine depression")) == "ketamine AND depression"
        assert str(parse_query("a NOT b")) == "a AND NOT b"

    def test_nested_groups(self) -> None:
        query = parse_query("((a OR b) AND (c OR (d AND e)))")
        assert str(query) == "(a OR b) AND (c OR (d AND e))"

    def test_double_not(self) -> None:
        assert str(parse_query("NOT NOT a")) == "NOT NOT a"

    def test_phrase(self) -> None:
        root = parse_query('"cognitive behavioral therapy" OR cbt').root
        assert isinstance(root, Or)
        phrase = root.items[0]
        assert isinstance(phrase, Term)
        assert phrase.phrase and phrase.text == "cognitive behavioral therapy"
        assert phrase.position == 1

    def test_operators_inside_phrase_are_words(self) -> None:
        root = parse_query('"salt and pepper"').root
        assert isinstance(root, Term) and root.text == "salt and pepper"

    def test_field_scope_on_term_and_group(self) -> None:
        query = parse_query("title:rat AND abstract:(mice OR murine) AND type:review")
        assert str(query) == "title:rat AND (abstract:mice OR abstract:murine) AND type:review"

    def test_field_names_case_insensitive(self) -> None:
        assert str(parse_query("TITLE:rat")) == "title:rat"

    def test_inner_scope_overrides_outer(self) -> None:
        assert str(parse_query("title:(a OR abstract:b)")) == "title:a OR abstract:b"

    def test_any_scope_is_default(self) -> None:
        assert str(parse_query("any:(a OR b)")) == "a OR b"

    def test_wildcards_kept_in_terms(self) -> None:
        root = parse_query("rodent* OR behavio?ral").root
        assert isinstance(root, Or)
        assert [t.text for t in root.items if isinstance(t, Term)] == ["rodent*", "behavio?ral"]

    def test_near(self) -> None:
        root = parse_query("title:(depress* NEAR/3 ketamine)").root
        assert isinstance(root, Near)
        assert root.distance == 3 and root.left.field == "title" and root.right.field == "title"

    def test_positions_are_one_based(self) -> None:
        root = parse_query("a OR  bb").root
        assert isinstance(root, Or)
        assert [t.position for t in root.items if isinstance(t, Term)] == [1, 7]

    def test_positive_terms(self) -> None:
        query = parse_query("(a OR title:b) AND NOT (c OR NOT d) AND e NEAR/2 f")
        assert [t.text for t in query.terms()] == ["a", "b", "d", "e", "f"]


class TestSyntaxErrors:
    @pytest.mark.parametrize(
        ("text", "message", "position"),
        [
            ("(a OR b", "unbalanced parentheses: '(' is never closed", 1),
            ("a AND (b OR (c AND d)", "unbalanced parentheses: '(' is never closed", 7),
            ("a OR b)", "unexpected ')'", 7),
            (")", "unexpected ')'", 1),
            ("a AND", "operator 'AND' has nothing after it", 3),
            ("a OR", "operator 'OR' has nothing after it", 3),
            ("NOT", "operator 'NOT' has nothing after it", 1),
            ("OR a", "operator 'OR' has nothing before it", 1),
            ("(AND a)", "operator 'AND' has nothing before it", 2),
            ("a AND OR b", "operator 'AND' is followed by 'OR'", 7),
            ("a OR )", "operator 'OR' is followed by ')'", 6),
            ("foo:bar", "unknown field 'foo:'", 1),
            ("a AND ttle:(b)", "unknown field 'ttle:'", 7),
            ("", "empty query", 1),
            ("   ", "empty query", 1),
            ("()", "empty parentheses", 1),
            ('a "b', "unterminated quote", 3),
            ('""', "empty phrase", 1),
            ("title:", "field 'title:' needs a term", 1),
            ("a AND *", "term '*' has no letters or digits", 7),
            ("a NEAR/2 b NEAR/3 c", "'NEAR/3' cannot be chained", 12),
            ("(a OR b) NEAR/2 c", "needs a term or phrase on its left", 10),
            ("a NEAR/2 (b OR c)", "needs a term or phrase on its right", 10),
            ("title:a NEAR/2 b", "joins terms of different fields", 9),
        ],
    )
    def test_error_and_position(self, text: str, message: str, position: int) -> None:
        with pytest.raises(RuleSyntaxError) as info:
            parse_query(text)
        assert message in info.value.detail
        assert info.value.position == position
        assert str(info.value).endswith(f"at position {position}")

    def test_is_a_screener_error(self) -> None:
        with pytest.raises(ScreenerError):
            parse_query("(")


# --------------------------------------------------------------------------- matching


class TestMatching:
    def test_case_insensitive_word_boundaries(self) -> None:
        record = rec("Ketamine for DEPRESSION", "Rats were not used; ratings were.")
        assert matches("ketamine", record)
        assert matches("KETAMINE AND depression", record)
        assert matches("rats", record)
        assert not matches("rat", record)  # "rats", "ratings" are other words
        assert not matches("keta", record)

    def test_diacritics_insensitive(self) -> None:
        record = rec("Naïve patients in Zürich", "Études préliminaires")
        assert matches("naive", record)
        assert matches("zurich AND etudes", record)
        assert matches("NAÏVE", record)
        assert matches('"etudes preliminaires"', record)

    def test_decomposed_accents_in_text(self) -> None:
        record = rec("Cafe\u0301 study")
        assert matches("café", record) and matches("cafe", record)

    def test_suffix_wildcard(self) -> None:
        record = rec("Psychotherapeutic approaches in rodents")
        assert matches("psychotherap*", record)
        assert matches("rodent*", record)
        assert not matches("therap*", record)  # wildcard is a suffix, not a substring search

    def test_optional_character(self) -> None:
        assert matches("behavio?ral", rec("Behavioural therapy"))
        assert matches("behavio?ral", rec("Behavioral therapy"))
        assert not matches("behavio?ral", rec("Behaviouiral therapy"))
        assert matches("randomi?ed", rec("randomised trial"))
        assert matches("randomi?ed", rec("randomized trial"))

    def test_phrase_across_hyphens_and_punctuation(self) -> None:
        query = '"cognitive behavio?ral therapy"'
        assert matches(query, rec("", "Cognitive-behavioural therapy (CBT) was"))
        assert matches(query, rec("", "cognitive  behavioral\ntherapy"))
        assert not matches(query, rec("", "cognitive therapy, behavioural"))

    def test_punctuation_inside_a_term_is_optional(self) -> None:
        assert matches("covid-19", rec("COVID-19 patients"))
        assert matches("covid-19", rec("covid 19 patients"))
        assert matches("covid-19", rec("covid19 patients"))

    def test_field_scopes(self) -> None:
        record = rec(
            "Ketamine in mice",
            "No rats here",
            keywords=["Depression", "Animal models"],
            publication_type="Review",
        )
        assert matches("title:mice", record)
        assert not matches("abstract:mice", record)
        assert matches("abstract:rats", record)
        assert not matches("title:rats", record)
        assert matches('keywords:"animal models"', record)
        assert not matches("title:depression", record)
        assert matches("depression", record)  # any: includes keywords
        assert matches("type:review", record)
        assert not matches("review", record)  # any: excludes the publication type

    def test_phrase_does_not_span_keywords_or_fields(self) -> None:
        record = rec("Ketamine", "depression study", keywords=["animal", "models"])
        assert not matches('"animal models"', record)
        assert not matches('"ketamine depression"', record)

    def test_boolean_semantics(self) -> None:
        record = rec("Ketamine in mice", "Twelve mice received ketamine.")
        assert matches("ketamine AND mice", record)
        assert matches("ketamine OR humans", record)
        assert not matches("ketamine AND NOT mice", record)
        assert matches("NOT humans", record)
        assert matches("(humans OR mice) AND (ketamine OR esketamine)", record)
        assert not matches("humans OR (mice AND esketamine)", record)

    def test_near(self) -> None:
        record = rec("", "Ketamine rapidly reduced depressive symptoms.")
        assert matches("ketamine NEAR/2 depress*", record)
        assert matches("depress* NEAR/2 ketamine", record)  # either order
        assert not matches("ketamine NEAR/1 depress*", record)
        assert matches("reduced NEAR/0 depressive", record)
        assert matches('"rapidly reduced" NEAR/1 symptoms', record)
        assert matches("abstract:(ketamine NEAR/3 symptoms)", record)
        assert not matches("title:(ketamine NEAR/3 symptoms)", record)

    def test_animal_query(self) -> None:
        query = parse_query(ANIMAL_QUERY)
        assert query.matches(rec("Ketamine in rats", "Behavioural tests."))
        assert query.matches(rec("Ketamine study", "Given to mice."))
        assert query.matches(rec("Rodent models of depression", ""))
        assert not query.matches(rec("Ketamine in rats and humans", ""))
        assert not query.matches(rec("Ketamine in mice", "Translating to patients."))
        assert not query.matches(rec("Ketamine", "", keywords=["rats"]))  # keywords not scoped

    def test_empty_record(self) -> None:
        assert not matches("ketamine", Record())
        assert matches("NOT ketamine", Record())


def test_fold() -> None:
    assert fold("Naïve ÉTUDE") == "naive etude"
    assert fold("Straße") == "strasse"
    assert fold("ﬁnal") == "final"


# --------------------------------------------------------------------------- rule loading


def bad(rules: list[dict[str, Any]], highlight: dict[str, Any] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_rules(rules, highlight)
    return info.value


def rule(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "r", "action": "flag", "reason": "Because"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


class TestLoadRules:
    def test_example_config_loads(self, ruleset: RuleSet) -> None:
        assert [r.name for r in ruleset.rules] == [
            "animal-study",
            "date-range",
            "english",
            "publication-type",
        ]
        assert all(r.action is Action.FLAG for r in ruleset.rules)
        animal = ruleset.rule("animal-study")
        assert animal is not None and animal.query is not None
        assert ruleset.rule("nope") is None

    def test_nothing_configured(self) -> None:
        ruleset = load_rules(None, None)
        assert ruleset.rules == ()
        assert ruleset.evaluate(rec("anything")) == []
        assert ruleset.highlight("anything") == []
        assert ruleset.prior_score(rec("anything")) == 0.0

    def test_query_syntax_error_names_rule_key_and_position(self) -> None:
        rules = [
            rule(name="a", query="x"),
            rule(name="b", years=[1990, 2000]),
            rule(name="animal-study", query="title:(rat OR mice))"),
        ]
        err = bad(rules)
        assert err.key == "rules[2].query"
        assert str(err) == "rules[2].query: rule \"animal-study\": unexpected ')' at position 20"

    @pytest.mark.parametrize(
        ("query", "fragment"),
        [
            ("(rat OR mice", "unbalanced parentheses"),
            ("rat AND", "operator 'AND' has nothing after it at position 5"),
            ("species:rat", "unknown field 'species:'"),
            ("", "empty query at position 1"),
        ],
    )
    def test_bad_queries(self, query: str, fragment: str) -> None:
        err = bad([rule(name="q", query=query)])
        assert err.key == "rules[0].query"
        assert 'rule "q"' in str(err) and fragment in str(err)

    def test_query_must_be_a_string(self) -> None:
        assert bad([rule(query=["a"])]).key == "rules[0].query"

    def test_unknown_action(self) -> None:
        err = bad([rule(name="x", action="delete", query="a")])
        assert err.key == "rules[0].action"
        assert "unknown action 'delete'" in str(err) and 'rule "x"' in str(err)

    def test_missing_action(self) -> None:
        assert bad([{"name": "x", "reason": "r", "query": "a"}]).key == "rules[0].action"

    def test_action_is_case_insensitive(self) -> None:
        ruleset = load_rules([rule(action="Exclude", query="a")], None)
        assert ruleset.rules[0].action is Action.EXCLUDE

    @pytest.mark.parametrize("action", ["flag", "exclude"])
    def test_missing_reason(self, action: str) -> None:
        err = bad([rule(name="x", action=action, reason=None, query="a")])
        assert err.key == "rules[0].reason"
        assert "needs a reason" in str(err)
        assert bad([rule(action=action, reason="  ", query="a")]).key == "rules[0].reason"

    def test_highlight_rule_needs_no_reason(self) -> None:
        ruleset = load_rules([rule(action="highlight", reason=None, query="a")], None)
        assert ruleset.rules[0].reason == ""

    def test_unknown_key(self) -> None:
        err = bad([rule(query="a", severity="high")])
        assert err.key == "rules[0].severity"
        assert "unknown key 'severity'" in str(err)

    def test_name_required_and_unique(self) -> None:
        assert bad([{"action": "flag", "reason": "r", "query": "a"}]).key == "rules[0].name"
        err = bad([rule(name="dup", query="a"), rule(name="dup", query="b")])
        assert err.key == "rules[1].name" and "duplicate" in str(err)

    def test_exactly_one_criterion(self) -> None:
        err = bad([rule(name="none")])
        assert err.key == "rules[0]" and "needs one criterion" in str(err)
        err = bad([rule(name="two", query="a", years=[1990, 2000])])
        assert err.key == "rules[0].years" and "one criterion per rule" in str(err)

    def test_rules_must_be_tables_in_a_list(self) -> None:
        assert bad([["not", "a", "table"]]).key == "rules[0]"  # type: ignore[list-item]
        with pytest.raises(ConfigError) as info:
            load_rules({"name": "x"}, None)  # type: ignore[arg-type]
        assert info.value.key == "rules"

    @pytest.mark.parametrize(
        "years", [[1990], [1990, 2000, 2010], ["1990", 2000], [2000, 1990], [True, 2000], 1990]
    )
    def test_bad_years(self, years: Any) -> None:
        assert bad([rule(years=years)]).key == "rules[0].years"

    @pytest.mark.parametrize("value", [[], "English", [""], [1]])
    def test_bad_languages(self, value: Any) -> None:
        assert bad([rule(languages=value)]).key == "rules[0].languages"

    @pytest.mark.parametrize("value", [[], "review", ["*"]])
    def test_bad_publication_types(self, value: Any) -> None:
        assert bad([rule(publication_types=value)]).key == "rules[0].publication_types"

    def test_kind_only_for_highlight_rules(self) -> None:
        assert bad([rule(query="a", kind="exclude")]).key == "rules[0].kind"
        err = bad([rule(action="highlight", query="a", kind="maybe")])
        assert err.key == "rules[0].kind"

    def test_highlight_rule_needs_a_query(self) -> None:
        assert bad([rule(action="highlight", years=[1990, 2000])]).key == "rules[0].years"

    def test_bad_highlight_table(self) -> None:
        assert bad([], {"include": ["a"], "other": ["b"]}).key == "highlight.other"
        assert bad([], {"include": "ketamine"}).key == "highlight.include"
        assert bad([], {"exclude": ["ok", 3]}).key == "highlight.exclude[1]"
        assert bad([], {"exclude": ["ok", "--"]}).key == "highlight.exclude[1]"
        with pytest.raises(ConfigError) as info:
            load_rules([], ["a"])  # type: ignore[arg-type]
        assert info.value.key == "highlight"


# --------------------------------------------------------------------------- evaluation


class TestEvaluation:
    def test_animal_study_flag(self, ruleset: RuleSet) -> None:
        hits = ruleset.evaluate(rec("Ketamine reverses anhedonia in rats"))
        assert hits == [RuleHit("animal-study", Action.FLAG, "Preclinical animal study")]
        assert hits[0].name == "animal-study"
        assert ruleset.suggested_reason(rec("Ketamine in mice")) == "Preclinical animal study"
        assert ruleset.evaluate(rec("Ketamine in patients with depression")) == []

    def test_hits_in_config_order(self, ruleset: RuleSet) -> None:
        record = rec("Ketamine in rats", year=1960, language="French", publication_type="Review")
        hits = ruleset.evaluate(record)
        assert [h.rule for h in hits] == [
            "animal-study",
            "date-range",
            "english",
            "publication-type",
        ]
        assert ruleset.suggested_reason(record) == "Preclinical animal study"

    @pytest.mark.parametrize(
        ("year", "fires"),
        [(1972, True), (1973, False), (2000, False), (2021, False), (2022, True), (None, False)],
    )
    def test_years(self, ruleset: RuleSet, year: int | None, fires: bool) -> None:
        hits = ruleset.evaluate(rec("Ketamine", year=year))
        assert ("date-range" in [h.rule for h in hits]) is fires

    @pytest.mark.parametrize(
        ("language", "fires"),
        [
            ("English", False),
            ("english", False),
            ("eng", False),
            ("EN", False),
            ("", False),
            ("   ", False),
            ("French", True),
            ("ger", True),
            ("English; French", False),
            ("fre, ger", True),
        ],
    )
    def test_languages(self, ruleset: RuleSet, language: str, fires: bool) -> None:
        hits = ruleset.evaluate(rec("Ketamine", language=language))
        assert ("english" in [h.rule for h in hits]) is fires

    @pytest.mark.parametrize(
        ("publication_type", "fires"),
        [
            ("Journal Article", False),
            ("Review", True),
            ("Journal Article; Review", True),
            ("Systematic Review", True),
            ("Editorial", True),
            ("Comment", True),
            ("Commentary", True),
            ("LETTER", True),
            ("Letters to the editor", False),
            ("Reviewed article", False),
            ("", False),
        ],
    )
    def test_publication_types(self, ruleset: RuleSet, publication_type: str, fires: bool) -> None:
        hits = ruleset.evaluate(rec("Ketamine", publication_type=publication_type))
        assert ("publication-type" in [h.rule for h in hits]) is fires

    def test_auto_excluded_is_first_exclude_hit(self) -> None:
        ruleset = load_rules(
            [
                rule(name="flag-first", action="flag", reason="Flagged", query="ketamine"),
                rule(name="ex1", action="exclude", reason="Wrong population", query="mice"),
                rule(name="ex2", action="exclude", reason="Wrong design", query="ketamine"),
            ],
            None,
        )
        record = rec("Ketamine in mice")
        assert ruleset.auto_excluded(record) == RuleHit("ex1", Action.EXCLUDE, "Wrong population")
        assert ruleset.suggested_reason(record) == "Flagged"
        assert ruleset.auto_excluded(rec("Psilocybin in humans")) is None
        assert ruleset.suggested_reason(rec("Psilocybin in humans")) is None

    def test_highlight_rules_hit_but_suggest_nothing(self) -> None:
        ruleset = load_rules(
            [rule(name="hl", action="highlight", reason=None, query="ketamine")], None
        )
        record = rec("Ketamine")
        assert ruleset.evaluate(record) == [RuleHit("hl", Action.HIGHLIGHT, "")]
        assert ruleset.suggested_reason(record) is None
        assert ruleset.auto_excluded(record) is None

    def test_rule_matches_directly(self, ruleset: RuleSet) -> None:
        animal = ruleset.rule("animal-study")
        assert animal is not None
        assert animal.matches(rec("Mice"))
        assert animal.description == ANIMAL_QUERY
        date = ruleset.rule("date-range")
        assert date is not None and "1973" in date.description


# --------------------------------------------------------------------------- highlight


class TestHighlight:
    def test_spans_and_kinds(self, ruleset: RuleSet) -> None:
        text = "Ketamine versus cognitive-behavioural therapy in rats"
        spans = ruleset.highlight(text)
        assert [(text[s:e], kind) for s, e, kind in spans] == [
            ("Ketamine", "include"),
            ("cognitive-behavioural therapy", "include"),
            ("rats", "exclude"),
        ]

    def test_wildcards_and_word_boundaries(self, ruleset: RuleSet) -> None:
        text = "Psychotherapy, ratings and rodents; not a rat-free operation"
        spans = ruleset.highlight(text)
        assert [(text[s:e], kind) for s, e, kind in spans] == [
            ("Psychotherapy", "include"),
            ("rodents", "exclude"),
            ("rat", "exclude"),
        ]

    def test_offsets_refer_to_original_text_with_accents(self) -> None:
        ruleset = load_rules([], {"include": ["naive", "strasse"], "exclude": ["etude"]})
        text = "Ein Nai\u0308ve Straße, une ÉTUDE"
        spans = ruleset.highlight(text)
        assert [(text[s:e], kind) for s, e, kind in spans] == [
            ("Nai\u0308ve", "include"),
            ("Straße", "include"),
            ("ÉTUDE", "exclude"),
        ]

    def test_spans_do_not_overlap_longest_wins(self) -> None:
        ruleset = load_rules([], {"include": ["therapy", "cognitive therapy"], "exclude": ["cog*"]})
        text = "cognitive therapy"
        spans = ruleset.highlight(text)
        assert spans == [(0, len(text), "include")]

    def test_exclude_wins_exact_ties(self) -> None:
        ruleset = load_rules([], {"include": ["mice"], "exclude": ["mice"]})
        assert ruleset.highlight("mice") == [(0, 4, "exclude")]

    def test_highlight_rules_contribute_terms(self) -> None:
        ruleset = load_rules(
            [
                rule(name="pos", action="highlight", query='esketamine OR "treatment resistant"'),
                rule(name="neg", action="highlight", kind="exclude", query="placebo AND NOT x"),
                rule(name="flag", action="flag", query="ignored"),
            ],
            None,
        )
        text = "Esketamine vs placebo in treatment-resistant depression; x ignored"
        spans = ruleset.highlight(text)
        assert [(text[s:e], kind) for s, e, kind in spans] == [
            ("Esketamine", "include"),
            ("placebo", "exclude"),
            ("treatment-resistant", "include"),
        ]
        assert ("esketamine", "include") in ruleset.highlight_terms

    def test_empty_text(self, ruleset: RuleSet) -> None:
        assert ruleset.highlight("") == []


# --------------------------------------------------------------------------- prior score


class TestPriorScore:
    def test_orders_relevant_first(self, ruleset: RuleSet) -> None:
        relevant = rec("Ketamine and mindfulness", "Psychotherapy for patients")
        neutral = rec("Depression outcomes", "A cohort of adults")
        animal = rec("Ketamine in rats", "Rodent models")
        ordered = sorted([animal, neutral, relevant], key=ruleset.prior_score, reverse=True)
        assert ordered == [relevant, neutral, animal]

    def test_counts_distinct_terms(self, ruleset: RuleSet) -> None:
        assert ruleset.prior_score(rec("Ketamine ketamine KETAMINE")) == 1.0
        assert (
            ruleset.prior_score(rec("Ketamine", "mindfulness", keywords=["psychotherapy"])) == 3.0
        )

    def test_penalties(self, ruleset: RuleSet) -> None:
        # rats + rodents: two exclusion terms, and the animal-study flag fires
        assert ruleset.prior_score(rec("Ketamine in rats", "rodents")) == 1.0 - 2.0 - 2.0
        # the date-range flag alone
        assert ruleset.prior_score(rec("Ketamine", year=1950)) == 1.0 - 2.0

    def test_exclude_rules_weigh_more_than_flags(self) -> None:
        flagging = load_rules([rule(action="flag", query="mice")], None)
        excluding = load_rules([rule(action="exclude", query="mice")], None)
        record = rec("mice")
        assert excluding.prior_score(record) < flagging.prior_score(record) < 0


# --------------------------------------------------------------------------- rules test


class TestRulesReport:
    def test_counts_and_samples(self, ruleset: RuleSet) -> None:
        records = [rec(f"Study {i} in mice") for i in range(8)] + [rec("Review", year=1900)]
        reports = ruleset.test(records)
        by_rule = {r.rule: r for r in reports}
        assert [r.rule for r in reports] == [r.name for r in ruleset.rules]
        animal = by_rule["animal-study"]
        assert animal.hits == 8 and animal.total == 9
        assert animal.samples == tuple((i, f"Study {i} in mice") for i in range(5))
        assert by_rule["date-range"].hits == 1
        assert by_rule["date-range"].samples == ((8, "Review"),)
        assert by_rule["english"].hits == 0 and by_rule["english"].samples == ()

    def test_to_dict_is_json_ready(self, ruleset: RuleSet) -> None:
        import json

        report = ruleset.test(iter([rec("Mice")]), samples=1)[0].to_dict()
        assert json.loads(json.dumps(report)) == {
            "rule": "animal-study",
            "action": "flag",
            "reason": "Preclinical animal study",
            "criterion": ANIMAL_QUERY,
            "hits": 1,
            "total": 1,
            "samples": [{"index": 0, "title": "Mice"}],
        }


# --------------------------------------------------------------------------- properties

_PIECES = [
    "a", "rat*", "behavio?ral", '"x y"', '"mice', "(", ")", "AND", "or", "NOT", "title:",
    "abstract:", "foo:", "NEAR/2", "*", "?", "é", "Ä", "covid-19", ":", "-", "", "any:(",
]  # fmt: skip


@given(
    st.one_of(st.text(max_size=40), st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join))
)
@settings(max_examples=400, deadline=None, database=None)
def test_parser_raises_only_syntax_errors_and_round_trips(text: str) -> None:
    try:
        query = parse_query(text)
    except RuleSyntaxError as err:
        assert 1 <= err.position <= len(text) + 1
        return
    assert str(parse_query(str(query))) == str(query)
    query.matches(rec(text, text, keywords=[text]))


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None, database=None)
def test_highlight_spans_are_sorted_disjoint_and_in_bounds(text: str) -> None:
    ruleset = load_rules([], {"include": ["a", "ab*", "é b"], "exclude": ["b?", "ǆ"]})
    spans = ruleset.highlight(text)
    last = 0
    for start, end, kind in spans:
        assert last <= start < end <= len(text)
        assert kind in ("include", "exclude")
        last = end
