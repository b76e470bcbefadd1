"""Entity extraction with the real spaCy model, on the seed article."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from searchidx import extract_entities
from searchidx.articles import find_sources, read_articles
from searchidx.entities import get_extractor, harmonize


@pytest.fixture(scope="module")
def seed_entities():
    [article] = read_articles(find_sources([SEEDS]))
    found = list(get_extractor().extract_many(article.paragraphs))
    return article.paragraphs, harmonize(article.paragraphs, found)


def names(mentions, field):
    return {m.text for m in mentions if m.field == field}


def test_offsets_point_into_the_original_text_with_curly_quotes():
    text = "Gorgun assured “cooperation” in Türkiye’s capital, said Zaman’s office."
    for entity in extract_entities(text):
        assert text[entity.start:entity.end] == entity.text
        assert entity.field in {"person", "org", "place", "date", "group", "misc"}


def test_titles_are_removed_from_people(seed_entities):
    _, found = seed_entities
    assert {"Waker-Uz-Zaman", "Mohammad Nazmul Hassan"} <= names(found[3], "person")


def test_seed_people_places_and_organisations(seed_entities):
    paragraphs, found = seed_entities
    everyone = [m for mentions in found for m in mentions]
    assert {"Haluk Gorgun", "Muhammad Yunus", "Yunus", "Gorgun", "Zaman"} <= names(everyone, "person")
    assert {"Bangladesh", "Türkiye", "Dhaka", "Bay of Bengal"} <= names(everyone, "place")
    assert {"Bangladesh Navy", "Defence Industries Secretariat"} <= names(everyone, "org")
    assert "Türkiye" not in names(everyone, "org")
    assert "Turkish" in names(everyone, "group")


def test_possessives_and_leading_the_are_trimmed(seed_entities):
    _, found = seed_entities
    everyone = {m.text for mentions in found for m in mentions}
    assert not any(name.endswith(("’s", "'s", "'")) or name.lower().startswith("the ") for name in everyone)


def test_one_sense_per_article_makes_surnames_people(seed_entities):
    _, found = seed_entities
    assert names(found[2], "person") == {"Yunus"}
    assert "Yunus" not in names(found[2], "place") | names(found[2], "org")


def test_organisations_named_with_a_place_stay_whole():
    found = extract_entities("The Bank of England and the People's Bank of China met the Bangladesh Navy.")
    assert names(found, "org") == {"Bank of England", "People's Bank of China", "Bangladesh Navy"}
    assert names(found, "place") == set()
