"""One entity, one name: the canonical names of the entities of an article.

The model finds mentions as written: "Gen. Waker-Uz-Zaman", "Zaman's office", "Yunus'",
"Turkey". This module, pure text work run once per article after NER, gives each
mention a canonical ``name`` (and a person's ``role``, such as a title before the name):

- titles and honorifics, possessives and a leading "the" are removed, and curly
  apostrophes made straight;
- within an article, a short mention of a person (a surname, a first name, the last part
  of a hyphenated name) takes the full name written elsewhere in the article, when only one
  full name fits; a person's name that the model missed in another paragraph is found there
  by the names it tagged;
- across articles, a place, people or organisation with several names in the alias table
  (``Turkey`` = ``Türkiye``; ``U.S.`` = ``United States``) takes the group's preferred name.

Spellings that differ only in accents are one entity by :func:`key`, which facets and
entity pages count by.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from ..variants import fold

#: Title and honorific words that open a person's name; removed from it and kept as its role.
TITLE_WORDS = frozenset("""
    mr mrs ms miss dr prof professor sir dame lord lady gen general lt lieutenant col colonel maj major
    capt captain sgt sergeant cpl adm admiral brig brigadier cmdr commander marshal field air vice
    president prime minister secretary chancellor premier senator sen rep congressman congresswoman
    governor gov mayor judge justice ambassador king queen prince princess sheikh emir sultan pope
    archbishop bishop cardinal rev reverend father rabbi imam ayatollah chief deputy foreign interior
    finance defence defense chairman chairwoman speaker state crown
""".split())
#: Of those, the words that can open a role alone (not "state" or "foreign" on their own).
_ROLE_STARTS = TITLE_WORDS - {"field", "air", "vice", "state", "crown", "foreign", "interior", "finance",
                              "defence", "defense", "deputy", "chief"}
#: Capitalised words that are never a propagated surname on their own.
_COMMON = frozenset("""
    The A An And But Or Of In On At For To By With From As It He She They We I This That These Those
    His Her Its Their Our Mr Mrs Ms Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
""".split())
#: Names whose "The" is part of them.
_THE_NAMES = frozenset({"the hague", "the bronx", "the gambia"})
#: Abbreviations of financial result tables ("Shr 1.20 dlrs vs 1.10 ... Revs 12.3 mln").
_TABLE_WORDS = frozenset("""
    shr shrs avg revs rev net oper qtr qtrs mths mth dlrs dlr mln mlns bln cts ct vs pct yr
    nine six twelve loss profit sales
""".split())
_POSSESSIVE = re.compile(r"'s?$")
_EDGE_PUNCT = " \t\n,;:!?\"()[]{}<>*"


@functools.lru_cache(maxsize=65536)
def key(name: str) -> str:
    """What two names must share to count as one entity: case and accents folded."""
    return fold(name.replace("\u2019", "'"))


def display_name(spellings: Mapping[str, int]) -> str:
    """The spelling to show of one entity's canonical spellings (name -> count): the most
    frequent one not in capitals when there is one ("Tokyo" over a dateline's "TOKYO")."""
    mixed = {name: count for name, count in spellings.items() if not name.isupper()}
    chosen = mixed or spellings
    return max(chosen, key=lambda name: (chosen[name], name))


#: The abbreviations that end a company's name, which name nothing alone: "Co Inc".
CORPORATE = frozenset("inc corp co cos ltd plc llc sa ag nv spa gmbh ab bros bhd".split())
#: Words that say what kind of organisation something is but name none on their own:
#: "the Bank", "Group", "State" (while "State Department" names one).
_GENERIC_WORDS = frozenset("""
    bank group finance state commerce department ministry government company corporation holdings
    international industries division unit subsidiary
""".split())
#: Currencies, which end no name: "U.S. Dlrs", "N.Z. Dlrs".
_CURRENCY_WORDS = frozenset("dlrs dlr dollar dollars yen stg francs lire guilders".split())


@functools.lru_cache(maxsize=65536)
def is_name(text: str) -> bool:
    """False for what the model tags but is no name: words without a capital letter ("cts"),
    a lone letter ("X."), the abbreviations of Reuters-style result tables ("Avg"), words
    that only say what kind of organisation something is ("Co Inc", "Bank") and sums of
    money ("U.S. Dlrs")."""
    words = [word.strip(".,").lower() for word in text.split()]
    return (any(c.isupper() for c in text) and sum(c.isalpha() for c in text) > 1
            and text.strip(". ").lower() not in _TABLE_WORDS
            and not all(word in CORPORATE for word in words)
            and not (len(words) == 1 and words[0] in _GENERIC_WORDS)
            and words[-1] not in _CURRENCY_WORDS)


def clean(text: str, field: str) -> tuple[str, str]:
    """A mention as a name, and the role a person's title gave it: ``("Waker-Uz-Zaman", "Gen.")``.

    Curly apostrophes become straight, a leading "the" and a trailing possessive go, and
    for people, title and honorific words at the start go into the role.
    """
    name = re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'")).strip(_EDGE_PUNCT)
    if field != "misc" and key(name) not in _THE_NAMES:
        name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    name = _POSSESSIVE.sub("", name)
    role: list[str] = []
    if field == "person":
        words = name.split(" ")
        while len(words) > 1 and _is_title(words[0], first=not role):
            role.append(words.pop(0))
        name = " ".join(words)
    return name.strip(_EDGE_PUNCT) or text.strip(), " ".join(role)


#: Titles written with a full stop; any other word ending in one ends a sentence.
_ABBREVIATED = frozenset("mr mrs ms dr prof gen lt col maj capt sgt cpl adm brig cmdr gov sen rep rev".split())


def _is_title(word: str, first: bool) -> bool:
    plain = word.rstrip(".").lower()
    if word.endswith(".") and plain not in _ABBREVIATED:
        return False
    return word[:1].isupper() and plain in (_ROLE_STARTS if first else TITLE_WORDS)


