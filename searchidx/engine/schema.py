"""The paragraph schema, and what searchidx records about an index beside Whoosh's files.

One Whoosh document is one paragraph. The words a query names no field for are searched
in one catch-all field, ``content``: the title, the text, and the words of the canonical
names of the paragraph's entities that the text does not write ("Haluk" for a paragraph
that names only "Gorgun"), stemmed like the text. Each word is counted once where it
occurs, so a name is not scored again for each field that holds it, and top-k retrieval
can skip what cannot reach the top (Whoosh's block quality works on one field). The
catch-all keeps no word positions, so that ranking and counting decode a third of what
they would (positions are most of a posting block); the text and the title keep them, and
a phrase with no field is the phrase in either. Fielded queries (``text:``, ``title:``,
``person:`` ...) search their own fields. Its entity fields are indexed twice: as words of
both the names as written and the canonical names (``person``: unstemmed, lower-cased,
accent-folded, so ``person:gorgun`` and ``person:"haluk gorgun"`` match a paragraph that
writes only "Gorgun") and as whole canonical names (``person_exact``, for counting,
browsing and completion). The stored ``entities`` field keeps each mention as written,
with its offsets, canonical name and role, for display and highlighting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.lang.porter2 import stem as porter2_stem

from ..errors import IndexCorruptError
from ..models import ENTITY_FIELDS

#: Bumped whenever the schema changes in a way an old index cannot serve.
SCHEMA_VERSION = 5
META_FILE = "searchidx.json"
#: The entity catalogue's record (see :mod:`.catalogue`).
CATALOGUE_FILE = "catalogue.json"
#: The names of the entities it joined, for queries (see :class:`.catalogue.Joined`).
JOINED_FILE = "joined.json"
#: The corpus step's evidence at its last settle, and the journal of each commit since
#: (``evidence-N.json``): see :mod:`.evidence`.
EVIDENCE_FILE = "evidence.json"
JOURNAL_PREFIX = "evidence-"

#: The field a query searches when it names none: the catch-all of :data:`DEFAULT_FIELDS`.
CATCH_ALL = "content"
#: The fields that keep word positions, where a phrase with no field is found.
PHRASE_FIELDS = ("text", "title")
#: The fields whose words the catch-all holds.
DEFAULT_FIELDS: tuple[str, ...] = ("text", "title", "person", "org", "place", "group", "misc")


def text_analyzer() -> Any:
    """Words of text and titles: Porter2 stems, accents folded."""
    from whoosh.support.charset import accent_map  # (2 ms to build: not when an index is only read)

    return StemmingAnalyzer(stemfn=porter2_stem) | CharsetFilter(accent_map)


def name_analyzer() -> Any:
    """Words of names: not stemmed, lower case, accents folded."""
    from whoosh.support.charset import accent_map

    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def build_schema() -> Schema:
    """The paragraph schema of :data:`SCHEMA_VERSION`."""
    fields: dict[str, Any] = {
        "article": ID(stored=True, sortable=True),
        "fingerprint": ID(),
        "title": TEXT(stored=True, analyzer=text_analyzer(), field_boost=1.5),
        "paragraph": NUMERIC(int, stored=True, sortable=True),
        "published": DATETIME(sortable=True),
        "date_text": STORED(),
        "text": TEXT(stored=True, analyzer=text_analyzer()),
        "entities": STORED(),
        CATCH_ALL: TEXT(analyzer=text_analyzer(), phrase=False),
    }
    for name in ENTITY_FIELDS:
        fields[name] = TEXT(analyzer=name_analyzer())
        fields[f"{name}_exact"] = KEYWORD(commas=True, lowercase=False, scorable=False)
    return Schema(**fields)


class Meta(NamedTuple):
    """What searchidx records about an index beside Whoosh's files."""

    schema_version: int
    model: str

    @classmethod
    def read(cls, path: Path) -> Meta:
        """The record of the index at ``path``; :class:`IndexCorruptError` when it is
        missing or unreadable."""
        try:
            data = json.loads((path / META_FILE).read_text(encoding="utf-8"))
            return cls(int(data["schema_version"]), str(data.get("model", "")))
        except FileNotFoundError:
            raise IndexCorruptError(
                f"{path} is a Whoosh index but not a searchidx one (no {META_FILE}); "
                f"rebuild it with `searchidx index --rebuild --index {path}`"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexCorruptError(f"{path / META_FILE} is unreadable ({error}); "
                                    f"rebuild the index with `searchidx index --rebuild --index {path}`") from error

    def write(self, path: Path) -> None:
        """Write the record into the index folder ``path`` (atomically)."""
        tmp = path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps({"schema_version": self.schema_version, "model": self.model}) + "\n",
                       encoding="utf-8")
        tmp.replace(path / META_FILE)
