"""Every rule record on its own examples (flows/analysis/events/examples.py)."""

from __future__ import annotations

import pytest

from flows.analysis.events.examples import EXAMPLES
from flows.analysis.events.rules import BLOCKERS, CHECKS, CUES, TRIGGERS, CheckContext, Rule
from flows.core.text import HANGUL

RULES = (*TRIGGERS, *BLOCKERS, *CUES)


def _fires(rule: Rule, sentence: str) -> bool:
    """Whether ``rule`` fires on ``sentence``: its pattern (triggers, cues), or its check on
    some candidate of the sentence (blockers, which look around a trigger in their scope)."""
    if rule.kind != "blocker":
        return rule.pattern.search(sentence) is not None
    for trigger in TRIGGERS:
        for match in trigger.pattern.finditer(sentence):
            lang = "ko" if HANGUL.search(match.group(0)) else "en"
            ctx = CheckContext(sentence, trigger, match.start(), match.end(), lang, trigger.type)
            if any(
                (r := check(ctx)) is not None and r.rule == rule.id
                for check in CHECKS[trigger.type]
            ):
                return True
    return False


def test_every_rule_has_examples_both_ways() -> None:
    missing = [r.id for r in RULES if r.id not in EXAMPLES or not all(EXAMPLES[r.id])]
    assert missing == []
    assert set(EXAMPLES) <= {r.id for r in RULES}, set(EXAMPLES) - {r.id for r in RULES}


def test_rule_ids_are_unique_and_say_their_kind() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    prefixes = {"trigger": ("p.", "f."), "blocker": ("b.",), "cue": ("c.", "t.")}
    assert all(r.id.startswith(prefixes[r.kind]) for r in RULES)
    assert all(r.reason for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fires_on_its_examples(rule: Rule) -> None:
    examples, counterexamples = EXAMPLES[rule.id]
    assert [s for s in examples if not _fires(rule, s)] == []
    assert [s for s in counterexamples if _fires(rule, s)] == []


def test_every_rule_is_documented() -> None:
    # docs/events.md lists the records (a table regenerated from them); none may be missing.
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "events.md").read_text("utf-8")
    assert [r.id for r in RULES if f"`{r.id}`" not in doc] == []
