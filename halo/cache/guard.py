"""Near-miss guard: a semantic hit must answer the *same* question, not a similar-looking one.

Sentence embeddings put "What did Laura say before the break?" and "What did Laura say after
the break?" almost on top of each other (cosine > 0.95 with MiniLM), yet the answers differ.
GPTCache's own benchmark returns a wrong answer for 8.7% of its hits at threshold 0.9 for
exactly this reason. So after the similarity threshold, L2 also requires that the *key facts*
of the two questions agree, extracted with cheap, explainable rules:

- numbers (digits, number words, ordinals, money, percentages, clock times),
- negation (parity of not / n't / never / no / without ...),
- names (capitalised words that are not sentence-initial) and speaker labels / meeting roles,
- time expressions (weekdays, months, morning / yesterday / last week ...),
- order and position (before / after, first / last, beginning / end, earlier / later),
- polarity pairs (agree / disagree, pros / cons, more / less, increase / decrease ...),
- the kind of question asked (why / who / when / where / how many),
- scope: one question is the other plus two or more content words ("... and its use").

Synonyms inside each group map to one canonical token ("pros" = "advantages", "prior to" =
"before"), so paraphrases still hit. The rules lean towards rejecting: a false miss costs one
LLM call, a false hit returns a wrong answer. Precision and hit rate are measured by
bench/bench_cache.py on halo/cache/data/paraphrase_bench.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000, "half": 0.5, "quarter": 0.25,
    "dozen": 12, "twice": 2, "once": 1, "single": 1, "couple": 2, "both": 2,
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}

# Canonical token for each word or phrase, by group. Phrases are matched before single words.
_GROUPS: dict[str, dict[str, str]] = {
    "order": {
        "before": "before", "prior to": "before", "earlier than": "before", "ahead of": "before",
        "previously": "before", "previous": "before", "preceding": "before", "beforehand": "before",
        "after": "after", "afterwards": "after", "afterward": "after", "following": "after",
        "later than": "after", "subsequently": "after", "next": "after",
        "first": "start", "initially": "start", "beginning": "start", "begin": "start",
        "began": "start", "start": "start", "started": "start", "opening": "start",
        "outset": "start", "early": "start", "earliest": "start",
        "last": "end", "final": "end", "finally": "end", "end": "end", "ending": "end",
        "closing": "end", "latest": "end", "late": "end",
        "middle": "middle", "midway": "middle", "halfway": "middle",
    },
    "polarity": {
        "agree": "agree", "agreed": "agree", "agreement": "agree", "concur": "agree",
        "disagree": "disagree", "disagreed": "disagree", "disagreement": "disagree",
        "objected": "disagree", "object": "disagree",
        "like": "like", "liked": "like", "likes": "like", "love": "like", "loved": "like",
        "favourite": "like", "favorite": "like", "prefer": "like", "preferred": "like",
        "dislike": "dislike", "disliked": "dislike", "hate": "dislike", "hated": "dislike",
        "support": "support", "supported": "support", "favour": "support", "favor": "support",
        "oppose": "oppose", "opposed": "oppose", "against": "oppose", "opposition": "oppose",
        "pros": "pro", "advantage": "pro", "advantages": "pro", "benefit": "pro",
        "benefits": "pro", "strengths": "pro", "upside": "pro", "upsides": "pro",
        "cons": "con", "disadvantage": "con", "disadvantages": "con", "drawback": "con",
        "drawbacks": "con", "weaknesses": "con", "downside": "con", "downsides": "con",
        "more": "more", "most": "more", "greater": "more", "larger": "more", "bigger": "more",
        "less": "less", "least": "less", "fewer": "less", "smaller": "less",
        "increase": "up", "increased": "up", "increasing": "up", "raise": "up", "raised": "up",
        "rise": "up", "rising": "up", "higher": "up", "grow": "up", "growth": "up",
        "decrease": "down", "decreased": "down", "decreasing": "down", "reduce": "down",
        "reduced": "down", "reducing": "down", "cut": "down", "cuts": "down", "lower": "down",
        "lowered": "down", "fall": "down", "drop": "down", "decline": "down",
        "cheap": "cheap", "cheaper": "cheap", "cheapest": "cheap", "inexpensive": "cheap",
        "expensive": "expensive", "costlier": "expensive", "pricier": "expensive",
        "best": "best", "worst": "worst", "good": "good", "bad": "bad", "positive": "good",
        "negative": "bad", "success": "good", "successful": "good", "failure": "bad",
        "failed": "bad", "accept": "accept", "accepted": "accept", "approve": "accept",
        "approved": "accept", "reject": "reject", "rejected": "reject", "refused": "reject",
        "include": "include", "included": "include", "exclude": "exclude", "excluded": "exclude",
        "add": "add", "added": "add", "remove": "remove", "removed": "remove", "drop out": "remove",
        "easy": "easy", "easier": "easy", "simple": "easy", "hard": "hard", "harder": "hard",
        "difficult": "hard", "big": "more", "small": "less", "large": "more",
        "old": "old", "older": "old", "new": "new", "newer": "new",
    },
    "time": {
        "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
        "tonight": "night", "yesterday": "yesterday", "today": "today", "tomorrow": "tomorrow",
        "monday": "monday", "tuesday": "tuesday", "wednesday": "wednesday",
        "thursday": "thursday", "friday": "friday", "saturday": "saturday", "sunday": "sunday",
        "january": "january", "february": "february", "march": "march", "april": "april",
        "june": "june", "july": "july", "august": "august",
        "september": "september", "october": "october", "november": "november",
        "december": "december", "week": "week", "weekly": "week", "month": "month",
        "monthly": "month", "year": "year", "yearly": "year", "annual": "year",
        "annually": "year", "daily": "day", "hour": "hour", "hours": "hour", "minute": "minute",
        "minutes": "minute", "seconds": "second_unit", "weekend": "weekend",
        "noon": "noon", "midnight": "midnight",
    },
    "kind": {
        "why": "why", "reason": "why", "reasons": "why", "how come": "why", "because": "why",
        "who": "who", "whom": "who", "whose": "who", "which person": "who",
        "which member": "who", "when": "when", "what time": "when",
        "where": "where", "how many": "count", "how much": "count", "number of": "count",
    },
    "negation": {
        "not": "neg", "n't": "neg", "no": "neg", "never": "neg", "none": "neg",
        "nobody": "neg", "nothing": "neg", "neither": "neg", "nor": "neg", "without": "neg",
        "cannot": "neg", "lack": "neg", "lacked": "neg", "absence": "neg", "unless": "neg",
    },
}

# Meeting roles and speaker labels are speakers, however they are capitalised.
_SPEAKERS: dict[str, str] = {
    "project manager": "pm", "pm": "pm", "manager": "pm", "project leader": "pm",
    "industrial designer": "id", "industrial design": "id",
    "user interface designer": "ui", "user interface": "ui", "ui designer": "ui",
    "interface designer": "ui", "ui": "ui",
    "marketing expert": "me", "marketing": "me", "marketer": "me",
    "professor": "professor", "the chair": "chair", "chairman": "chair",
    "chairperson": "chair", "chairwoman": "chair", "prime minister": "prime minister",
    "minister": "minister", "postdoc": "postdoc",
}
_SPEAKER_LABEL = re.compile(
    r"\b(?:speaker|spk|phd|grad|person|participant|member)[ _-]?([a-z0-9]{1,2})\b", re.I
)

# Capitalised words that are not names (question words, auxiliaries, imperative openers...).
_NOT_NAMES = {
    "i", "what", "why", "how", "who", "whom", "whose", "when", "where", "which", "did", "does",
    "do", "was", "were", "is", "are", "can", "could", "would", "should", "will", "has", "have",
    "had", "summarize", "summarise", "give", "tell", "please", "the", "a", "an", "in", "on",
    "at", "during", "and", "explain", "describe", "list", "according", "overall", "so",
    "okay", "ok", "briefly", "sum", "provide", "recap", "outline", "any", "in", "about",
    "regarding", "concerning", "as", "for", "from", "to", "with", "of", "it", "its", "their",
    "they", "we", "our", "you", "your", "he", "she", "his", "her", "there", "this", "that",
    "these", "those", "say", "said", "discuss", "discussed", "talk", "talked", "remind", "me",
    "let", "share", "walk", "go", "show", "find", "identify", "mention", "what's", "who's",
    "how's", "where's", "when's", "why's", "whats", "hey", "also", "then", "now", "yes", "hi",
}

_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b")
_NUMBER = re.compile(r"(?<![\w.])[$£€]?\d[\d,]*(?:\.\d+)?%?")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+|\n)\s*[\"'(]*$")


@dataclass(frozen=True)
class KeyFacts:
    """The facts of a question that must match for two questions to share an answer."""

    numbers: frozenset
    negated: bool
    names: frozenset
    speakers: frozenset
    time: frozenset
    order: frozenset
    polarity: frozenset
    kind: frozenset

    def differences(self, other: "KeyFacts") -> list[str]:
        """Names of the fact groups that differ (empty = the facts agree)."""
        return [name for name in self.__dataclass_fields__ if getattr(self, name) != getattr(other, name)]


@lru_cache(maxsize=None)
def _table_pattern(table_id: int) -> re.Pattern:
    table = _TABLES[table_id]
    alternation = "|".join(re.escape(p) for p in sorted(table, key=len, reverse=True))
    return re.compile(r"(?<![\w'])(?:" + alternation + r")(?!\w)")  # "designer's" matches


def _phrase_tokens(text: str, table: dict[str, str]) -> tuple[set[str], str]:
    """Find table entries in lowercased ``text`` (longest first); return tokens and text without them."""
    pattern = _table_pattern(id(table))
    found = {table[m.group(0)] for m in pattern.finditer(text)}
    return found, pattern.sub(" ", text)


@lru_cache(maxsize=4096)
def key_facts(question: str) -> KeyFacts:
    """Extract :class:`KeyFacts` from one question (cached: the same texts recur)."""
    text = question.replace("’", "'").replace("‘", "'")
    numbers: set[str] = set()
    for match in _CLOCK.finditer(text):
        h, m, s = match.group(1), match.group(2), match.group(3) or "00"
        numbers.add(f"t{int(h)}:{m}:{s}")
    text_wo_clock = _CLOCK.sub(" ", text)
    for match in _NUMBER.finditer(text_wo_clock):
        raw = match.group(0).lstrip("$£€").rstrip("%").replace(",", "")
        try:
            numbers.add(repr(float(raw)))
        except ValueError:
            pass

    # Names: capitalised words that do not start a sentence (and are not speaker roles).
    lowered = text_wo_clock.lower()
    speakers, lowered_rest = _phrase_tokens(lowered, _SPEAKERS)
    speakers |= {f"label:{m.group(1).lower()}" for m in _SPEAKER_LABEL.finditer(text)}
    names: set[str] = set()
    for match in _WORD.finditer(text_wo_clock):
        word = match.group(0)
        if not word[0].isupper():
            continue
        low = word.lower().rstrip("'s").rstrip("'")
        if low in _NOT_NAMES or low in _NUMBER_WORDS or low in _SPEAKERS:
            continue
        if any(low in p.split() for p in _SPEAKERS):
            continue
        if _SENTENCE_START.search(text_wo_clock[: match.start()]):
            # Sentence-initial: a name only if the next word is capitalised too ("Eluned Morgan").
            nxt = _WORD.match(text_wo_clock, match.end() + 1)
            if not (nxt and nxt.group(0)[0].isupper()):
                continue
        if low in _ALL_GROUP_WORDS:
            continue
        names.add(low)

    groups: dict[str, set[str]] = {}
    rest = lowered_rest.replace("n't", " n't")
    for group, table in _GROUPS.items():
        groups[group], rest = _phrase_tokens(rest, table)
    for word in _WORD.findall(rest):
        value = _NUMBER_WORDS.get(word.lower())
        if value is not None:
            numbers.add(repr(float(value)))
    negations = len(re.findall(r"(?<![\w'])(?:not|n't|no|never|none|nobody|nothing|neither|nor|"
                               r"without|cannot|lack|lacked|absence|unless)(?![\w'])",
                               lowered_rest.replace("n't", " n't")))
    return KeyFacts(
        numbers=frozenset(numbers),
        negated=negations % 2 == 1,
        names=frozenset(names),
        speakers=frozenset(speakers),
        time=frozenset(groups["time"]),
        order=frozenset(groups["order"]),
        polarity=frozenset(groups["polarity"]),
        kind=frozenset(groups["kind"]),
    )


_ALL_GROUP_WORDS = {w for table in _GROUPS.values() for w in table if " " not in w}
_TABLES = {id(table): table for table in (*_GROUPS.values(), _SPEAKERS)}


# Function words and the words people wrap a question in ("quick question: can you tell me...").
_STOP = set("""
a about above after again all also am an and any are as at be been being both but by can could
did do does doing done during each either for from further had has have having he her here hers
him his how i if in into is it its itself just me my of off on once only or other our out over own
same she should so some such than that the their them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you
your yours whats what's who's quick question tell please exactly briefly give summary summarize
summarise recap sum know let explain describe regarding concerning mention mentioned say said
talk talked discuss discussed discussion conversation anything something thing things kind
""".split())


def _content(question: str) -> frozenset[str]:
    words = re.findall(r"[a-z][a-z'-]+", question.lower().replace("’", "'"))
    return frozenset(w.split("'")[0][:6] for w in words if w not in _STOP and len(w) > 2)


def asks_more(question: str, cached_question: str) -> bool:
    """One question is the other plus two or more content words ("... and explaining its use")."""
    a, b = _content(question), _content(cached_question)
    return (a < b and len(b - a) >= 2) or (b < a and len(a - b) >= 2)


def facts_agree(question: str, cached_question: str) -> tuple[bool, list[str]]:
    """True when both questions carry the same key facts; else False and which groups differ."""
    diff = key_facts(question).differences(key_facts(cached_question))
    if asks_more(question, cached_question):
        diff.append("scope")
    return not diff, diff
