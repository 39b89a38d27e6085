"""The seeds' gold events through a real run: feed and pages on 127.0.0.1, the ingest flow
under Prefect's harness, alerts to a webhook on 127.0.0.1 (issue 13: tests feed what a
run feeds, titles and dates included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from flows.analysis.events.train import seed_titles
from helpers import dated_rss, hook, labelled_page, posted
from storage.archive import Archive

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_seeds_gold_events_through_a_real_run(
    shared_dir: Path, feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.app.ingest import ingest

    corpus = shared_dir / "corpus"
    gold = yaml.safe_load((corpus / "seeds-gold.yaml").read_text(encoding="utf-8"))
    titles = seed_titles()
    items = []
    for name, labels in gold.items():
        text = (corpus / "seeds" / name).read_text(encoding="utf-8")
        path = f"/seeds/{name[:3]}"
        feed_server.route(path, labelled_page(titles[name], text))
        day = labels.get("published")
        stamp = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) if day else None
        items.append((titles[name], feed_server.url(path), stamp))
    feed_server.route("/seeds.xml", dated_rss(items, "seeds"), content_type="application/rss+xml")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "settings:\n  min_poll_interval_minutes: 0\n"
        "alerts:\n  max_age_hours: 876000   # the seeds are years old (a century)\n"
        f"sources:\n  - name: seeds\n    url: {feed_server.url('/seeds.xml')}\n"
        "    allow_private_network: true\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KAIWATCH_NOTIFY", hook(feed_server, "/seed-hook"))
    db_path = tmp_path / "kw.db"

    summary = ingest(sources_path=str(sources), db_path=str(db_path))
    assert summary.counts()["articles_new"] == 5, summary.format()

    with Archive(db_path, readonly=True) as archive:
        rows = archive.conn.execute(
            "SELECT a.canonical_url, e.type, e.party_names, e.amounts, e.evidence, e.confidence "
            "FROM events e JOIN articles a ON a.id = e.article_id"
        ).fetchall()
    by_seed: dict[str, list[tuple[str, list[str], list[str], str]]] = {}
    for url, kind, names, amounts, evidence, confidence in rows:
        if confidence >= 0.5:
            texts = [a["text"] for a in json.loads(amounts)]
            by_seed.setdefault(url.rsplit("/", 1)[1], []).append(
                (kind, json.loads(names), texts, evidence)
            )
    expected_alerts = []
    for name, labels in gold.items():
        found = by_seed.get(name[:3], [])
        assert sorted(k for k, *_ in found) == sorted(e["type"] for e in labels["events"]), (
            name,
            found,
        )
        for want in labels["events"]:
            assert any(
                kind == want["type"]
                and set(want["parties"]) <= set(names)
                and all(any(t.startswith(x) for t in texts) for x in want.get("amounts", []))
                for kind, names, texts, _ in found
            ), (name, want, found)
        expected_alerts += sorted({e["type"] for e in labels["events"]})
    # one alert per story and type, each with its title and why
    messages = posted(feed_server, "/seed-hook")
    assert sorted(m["title"].split("]")[0].strip("[").lower() for m in messages) == sorted(
        expected_alerts
    ), [m["title"] for m in messages]
    assert all("Confidence 0." in m["message"] and ": " in m["message"] for m in messages)
    budget = next(m for m in messages if "1.5 billion" in m["title"])
    assert "Ministry of Science and ICT (government)" in budget["message"]
