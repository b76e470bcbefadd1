"""Other names and spellings of what a user typed: place and people aliases ("Turkey" for
"Türkiye", "Burma" for "Myanmar") and British/American spellings ("defense", "defence").

Pure text work: it proposes variants; the engine keeps the spellings that its index holds.
The alias table is ``searchidx/data/aliases.tsv`` and ``standard_forms.tsv`` plus the user's
own file, if any.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from .settings import user_aliases_path

#: (British ending, American ending, shortest word it applies to), tried both ways.
_SPELLINGS = (
    ("ence", "ense", 6), ("our", "or", 5), ("ours", "ors", 6), ("oured", "ored", 7), ("ouring", "oring", 8),
    ("tre", "ter", 5), ("tres", "ters", 6), ("ise", "ize", 5), ("ised", "ized", 6), ("ising", "izing", 7),
    ("isation", "ization", 8), ("ises", "izes", 6), ("yse", "yze", 6), ("ysed", "yzed", 7), ("ogue", "og", 6),
    ("elled", "eled", 7), ("elling", "eling", 8), ("eller", "eler", 7),
)


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: how names are compared here."""
    if text.isascii():  # (most text: nothing to decompose, and no combining marks)
        plain = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split()).lower()  # (as a regular expression would, in 60% of its time)


def spellings(word: str) -> list[str]:
    """Other spellings of ``word`` by British/American rules (not all of them real words)."""
    lowered = word.lower()
    if not lowered.isalpha():
        return []
    found = []
    for british, american, shortest in _SPELLINGS:
        for end, other in ((british, american), (american, british)):
            if len(lowered) >= shortest and lowered.endswith(end):
                found.append(lowered[: -len(end)] + other)
    return [variant for variant in dict.fromkeys(found) if variant != lowered]


class AliasTable:
    """Groups of names for one place or people, and the demonyms of places."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.demonyms: list[list[str]] = []  # parallel to groups
        self._index: dict[str, int] = {}
        self._demonym_index: dict[str, int] = {}

    def add(self, names: list[str], demonyms: list[str]) -> None:
        number = len(self.groups)
        self.groups.append(names)
        self.demonyms.append(demonyms)
        for name in names:
            self._index.setdefault(fold(name), number)
        for name in demonyms:
            self._demonym_index.setdefault(fold(name), number)

    def names(self, written: str, any_case: bool = False) -> list[str]:
        """All names of the group ``written`` belongs to (itself included); [] when none.

        Unless ``any_case`` (a value given to a field, as in ``place:usa``), a name of three
        letters or fewer ("US", "UN") counts only in capitals, so that the word "us" is not
        the United States.
        """
        number = self._index.get(fold(written))
        if number is None or (len(written) <= 3 and not written.isupper() and not any_case):
            return []
        return list(self.groups[number])

    def place_of(self, demonym: str) -> list[str]:
        """The names of the place a demonym ("Turkish") belongs to; [] when none."""
        number = self._demonym_index.get(fold(demonym))
        return list(self.groups[number]) if number is not None else []

    def demonyms_of(self, written: str) -> list[str]:
        """The demonyms of the place ``written`` names; [] when none."""
        number = self._index.get(fold(written))
        return list(self.demonyms[number]) if number is not None else []


def widening(group: list[str]) -> list[str]:
    """The names of an alias group a query may widen to: all but a one-word name (other
    than the group's first, canonical one) that is a word of a longer name of the group:
    "America" of "United States of America" also begins "Latin America", so
    ``place:"united states"`` must not find it. Paragraphs naming the place that way are
    still found, by the canonical name indexed with every mention the table knows."""
    words_of_longer = {word for name in group if len(fold(name).split()) > 1
                       for word in re.split(r"[^\w]+", fold(name)) if word}
    return [name for i, name in enumerate(group)
            if i == 0 or len(fold(name).split()) > 1 or fold(name) not in words_of_longer]


def parse_aliases(text: str, table: AliasTable | None = None) -> AliasTable:
    """Alias groups from the text of an alias file (see ``data/aliases.tsv``)."""
    table = table or AliasTable()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        names_part, _, demonyms_part = line.partition("\t")
        names = [n.strip() for n in names_part.split("|") if n.strip()]
        demonyms = [n.strip() for n in demonyms_part.split("|") if n.strip()]
        if names:
            table.add(names, demonyms)
    return table


#: The bundled tables, in the order their groups win: places and peoples, then the standard
#: forms of organisations and of news-style abbreviations of states ("Calif.", "N.J.").
BUNDLED = ("aliases.tsv", "standard_forms.tsv")


@functools.lru_cache(maxsize=4)
def _load(user_path: Path) -> AliasTable:
    # the user's groups come first, so that they win where names overlap
    table = AliasTable()
    try:
        parse_aliases(user_path.read_text(encoding="utf-8"), table)
    except (OSError, UnicodeDecodeError):
        pass
    for bundled in BUNDLED:
        parse_aliases((Path(__file__).parent / "data" / bundled).read_text(encoding="utf-8"), table)
    return table


def aliases() -> AliasTable:
    """The bundled alias table with the user's own groups added."""
    return _load(user_aliases_path())
