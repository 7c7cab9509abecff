"""A programme's structure, as the programme has it: parts that nest (themes,
work axes, concepts, challenges, levers, personae), each named at its level
with the programme's own word, and how every view reads it.

The rule is written once, here: a part's path from the top of the structure
("Thème > Axe de travail > Concept"), its depth, its level word, what hangs
under it, and how many parts there are at each level. The aggregate checks
with it (a parent must exist, no part under itself) and every view shows with
it: the plan, the trace, the statistics, the exports and the public site.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# The level of a part when nothing else is said: an axis of the programme.
DEFAULT_LEVEL = "axe"
LEVEL_MAX = 80
# How a path is written, from the top of the structure down.
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Part:
    """One part of a programme's structure."""

    key: str
    title: str
    parent: str | None = None
    level: str = DEFAULT_LEVEL


def level_problem(level: str) -> str | None:
    """Why ``level`` cannot name a level of a structure, or None."""
    if not level.strip():
        return "a level must be named (thème, axe, concept...)"
    if len(level) > LEVEL_MAX:
        return f"a level's name is at most {LEVEL_MAX} characters"
    if level != level.strip():
        return "a level's name has no leading or trailing spaces"
    return None


# Words after which a level's name no longer takes the plural ("axes de travail").
_LINKS = {"de", "du", "des", "à", "au", "aux", "en", "pour", "sur", "et", "ou", "par"}


def _plural_word(word: str) -> str:
    lower = word.lower()
    if lower.endswith(("s", "x", "z")):
        return word
    if lower.endswith("al") and len(word) > 3:
        return word[:-2] + ("AUX" if word.isupper() else "aux")
    if lower.endswith(("eau", "eu")):
        return word + ("X" if word.isupper() else "x")
    return word + ("S" if word.isupper() else "s")


def plural_level(level: str, count: int) -> str:
    """``count`` parts of ``level``, in French: "12 thèmes", "17 axes de
    travail", "3 axes stratégiques", "1 concept". The words before a link
    (de, du, à, pour...) take the plural; a word ending in s, x or z keeps its
    form, one in -al takes -aux, one in -eau or -eu takes an x."""
    if count == 1:
        return f"1 {level}"
    words = level.split(" ")
    for n, word in enumerate(words):
        if word.lower() in _LINKS or word.lower().startswith(("d'", "d’", "l'", "l’")):
            break
        if word:
            words[n] = _plural_word(word)
    return f"{count} {' '.join(words)}"


class Structure:
    """The parts of one programme, in the order they were recorded."""

    def __init__(self, parts: Iterable[Part]) -> None:
        self.parts: dict[str, Part] = {}
        self._children: dict[str | None, list[str]] = {None: []}
        for part in parts:
            self.parts[part.key] = part
            self._children.setdefault(part.key, [])
        for part in self.parts.values():
            parent = part.parent if part.parent in self.parts else None
            self._children[parent].append(part.key)

    def __contains__(self, key: object) -> bool:
        return key in self.parts

    def __len__(self) -> int:
        return len(self.parts)

    @property
    def nested(self) -> bool:
        """Whether any part hangs under another, or is named at a level other than
        the default: a structure a view shows as a tree rather than a list."""
        return any(p.parent is not None or p.level != DEFAULT_LEVEL for p in self.parts.values())

    def title(self, key: str) -> str:
        part = self.parts.get(key)
        return part.title if part is not None else key

    def path(self, key: str) -> list[Part]:
        """The parts from the top of the structure down to ``key`` (itself last);
        empty for a key the structure does not hold."""
        chain: list[Part] = []
        seen: set[str] = set()
        current: str | None = key
        while current is not None and current in self.parts and current not in seen:
            seen.add(current)
            part = self.parts[current]
            chain.append(part)
            current = part.parent
        return chain[::-1]

    def path_title(self, key: str, separator: str = PATH_SEPARATOR) -> str:
        """ "Thème > Axe > Concept": the titles of the path to ``key``."""
        chain = self.path(key)
        return separator.join(p.title for p in chain) if chain else key

    def depth(self, key: str) -> int:
        """0 for a part at the top of the structure."""
        return max(len(self.path(key)) - 1, 0)

    def children(self, key: str | None = None) -> list[Part]:
        """The parts directly under ``key`` (under none: the top of the structure)."""
        return [self.parts[k] for k in self._children.get(key, [])]

    def walk(self) -> Iterator[tuple[Part, int]]:
        """Every part with its depth, each followed by what hangs under it (a
        part no path from the top reaches, which the domain never records, comes
        last, as if at the top)."""
        seen: set[str] = set()
        tops = self.children(None)
        for top in [*tops, *self.parts.values()]:
            if top.key in seen:
                continue
            stack = [(top, 0)]
            while stack:
                part, depth = stack.pop()
                if part.key in seen:
                    continue
                seen.add(part.key)
                yield part, depth
                stack.extend((c, depth + 1) for c in reversed(self.children(part.key)))

    def leading_to(self, keys: Iterable[str]) -> Iterator[tuple[Part, int]]:
        """The walk of the structure kept to the parts among ``keys`` and the parts
        above them: the headings under which a list of things (priorities,
        sessions) is shown, each thing under its own part."""
        kept: set[str] = set()
        for key in keys:
            kept.update(p.key for p in self.path(key))
        return ((part, depth) for part, depth in self.walk() if part.key in kept)

    def under(self, key: str) -> list[str]:
        """The keys of every part under ``key``, at any depth (not itself)."""
        found: list[str] = []
        seen = {key}
        stack = [c.key for c in reversed(self.children(key))]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            found.append(current)
            stack.extend(c.key for c in reversed(self.children(current)))
        return found

    def would_cycle(self, key: str, parent: str) -> bool:
        """Whether placing ``key`` under ``parent`` would put a part under itself."""
        return key == parent or any(p.key == key for p in self.path(parent))

    def levels(self) -> list[tuple[str, int]]:
        """Each level word with its number of parts, from the top of the structure
        down (a level first met higher comes first), then in recorded order."""
        counts: dict[str, int] = {}
        depth: dict[str, int] = {}
        for part, d in self.walk():
            counts[part.level] = counts.get(part.level, 0) + 1
            depth[part.level] = min(depth.get(part.level, d), d)
        order = {level: n for n, level in enumerate(counts)}
        return sorted(counts.items(), key=lambda item: (depth[item[0]], order[item[0]]))

    def levels_phrase(self) -> str:
        """ "12 thèmes, 17 axes de travail, 29 concepts"."""
        return ", ".join(plural_level(level, n) for level, n in self.levels())
