"""Verify before serving: a semantic (L2) candidate answers the *same* question, or it is not served.

Sentence embeddings put "What production cost did the project manager propose?" and "What
selling price did the project manager propose?" almost on top of each other (cosine > 0.9 with
MiniLM), and the same for a question and its twin with two roles swapped. No single cosine
threshold separates those from real paraphrases, so an L2 candidate above the threshold must
also pass checks that look at what the two questions *say*, each one explainable:

1. Key facts (:func:`key_facts`) agree: numbers (digits, number words, ordinals, money,
   clock times), negation parity, names, speakers / meeting roles, time expressions, order
   and position (before / after, first / last), polarity pairs (agree / disagree, pros / cons),
   the kind of question (why / who / when / how many / yes-no).
2. Roles: when both questions name the same two or more people, they name them in the same
   order ("what did the UI designer think of the industrial designer's job" is not its swap).
3. Content: after dropping function words and the words people wrap a question in ("what did
   X say / think / feel about", "summarise the discussion of"), stemming, and mapping a short
   table of general-English equivalents to one token, the remaining content words of the two
   questions are the same set. Any content word on one side only ("cost" vs "price", "profit
   target" vs "production cost target", "... and its use") rejects the candidate.
4. Grounding (in halo.cache.semantic, not here): the chunks the new question's own retrieval
   reached must overlap the chunks the cached answer was built from.

The rules lean towards rejecting: a false miss costs one LLM call, a false hit returns a wrong
answer. They were fitted only on the tuning half of bench/data/cache_bench.json (QMSum val
meetings on even lines, bench/splits.py); bench/bench_cache.py reports on the other half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from halo.text.questions import QUESTION_STOP_WORDS as _STOP
from halo.text.questions import LETTER_SPEAKER
from halo.text.questions import ROLE_PHRASES as _SPEAKERS

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
_CLAUSE_WHEN = re.compile(r"(?<![\w'])(?:when|while)\s+(?=\w+ing\b|it comes\b)")
_YES_NO = re.compile(r"\s*(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b")
_REQUEST = re.compile(r"\s*(?:can|could|would|will) you (?:please )?(?:tell|explain|describe|summari[sz]e|"
                      r"give|list|show|say|remind|let|help|recap|outline|walk)\b")
_CLAUSE_SPAN = re.compile(r"(?<![\w'])(?:when|while)\s+\w+ing\b[^,?.;]*")
# "marketing strategy" is a topic; "Marketing" alone or "the marketing expert" is a role.
_NOT_A_ROLE = re.compile(r"(?<![\w'])marketing(?= (?:strateg|plan|research|report|trend|campaign|material|"
                         r"approach|goal|budget|side|aspect|point|concept|department|team\b))")
_WH = re.compile(r"\b(?:what|why|who|whom|whose|when|where|which|how)\b")
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
    people: tuple = ()  # speakers and names in the order the question names them

    def differences(self, other: "KeyFacts") -> list[str]:
        """Names of the fact groups that differ (empty = the facts agree).

        ``roles``: the same people named in another order (who did what to whom swapped).
        """
        diff = [name for name in self.__dataclass_fields__
                if name != "people" and getattr(self, name) != getattr(other, name)]
        if (not diff and len(self.people) >= 2 and set(self.people) == set(other.people)
                and self.people != other.people):
            diff.append("roles")
        return diff


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
    lowered = _NOT_A_ROLE.sub("market", text_wo_clock.lower())
    people: list[tuple[int, str]] = [(m.start(), _SPEAKERS[m.group(0)])
                                     for m in _table_pattern(id(_SPEAKERS)).finditer(lowered)]
    speakers, lowered_rest = _phrase_tokens(lowered, _SPEAKERS)
    labels = [(m.start(), f"label:{m.group(1).lower()}") for m in _SPEAKER_LABEL.finditer(text_wo_clock)]
    labels += [(m.start(), f"label:{m.group(0)[0].lower()}") for m in LETTER_SPEAKER.finditer(text_wo_clock)]
    people += labels
    speakers |= {label for _, label in labels}
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
        if not word.isupper():  # "LCD", "TORRENT": things, not people who act
            people.append((match.start(), low))

    groups: dict[str, set[str]] = {}
    # "when discussing X" / "while talking about X" frame the question; they are not "when?".
    rest = _CLAUSE_WHEN.sub(" ", lowered_rest.replace("n't", " n't"))
    for group, table in _GROUPS.items():
        groups[group], rest = _phrase_tokens(rest, table)
    for word in _WORD.findall(rest):
        value = _NUMBER_WORDS.get(word.lower())
        if value is not None:
            numbers.add(repr(float(value)))
    negations = len(re.findall(r"(?<![\w'])(?:not|n't|no|never|none|nobody|nothing|neither|nor|"
                               r"without|cannot|lack|lacked|absence|unless)(?![\w'])",
                               lowered_rest.replace("n't", " n't")))
    if (not groups["kind"] and _YES_NO.match(lowered) and not _REQUEST.match(lowered)
            and not _WH.search(lowered)):
        groups["kind"].add("yes/no")
    # Who acts on whom is read from the main clause: "when presenting the user interface" names
    # a topic, and moving that clause to the front does not swap any roles.
    framing = [m.span() for m in _CLAUSE_SPAN.finditer(lowered)]
    order_of_people = tuple(dict.fromkeys(
        who for at, who in sorted(people) if not any(a <= at < b for a, b in framing)))
    return KeyFacts(
        people=order_of_people,
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






# General-English words that ask for the same thing, one token each (stems of the words are
# matched, so "suggested" and "suggestion" count as "suggest"). Deliberately short: two words
# are equivalent here only if swapping them can never change the answer in a meeting question.
_EQUIVALENT: dict[str, tuple[str, ...]] = {
    "propose": ("propose", "proposal", "suggest", "suggestion", "recommend", "recommendation",
                "advise", "put forward"),
    "decide": ("decide", "decision", "conclude", "conclusion", "settle", "resolve", "outcome"),
    "problem": ("problem", "issue", "difficulty", "trouble"),
    "choose": ("choose", "choice", "select", "selection", "pick"),
    "respond": ("respond", "response", "reply", "answer", "react", "reaction"),
    "ask": ("ask", "question", "query", "enquire", "inquire"),
    "remote": ("remote control", "remote", "remote controller", "controller"),
    "reason": ("reason", "rationale", "justification", "motivation"),
    "plan": ("plan", "intend", "intention"),
    "idea": ("idea", "notion", "concept"),
    "goal": ("goal", "aim", "objective"),
    "criterion": ("criterion", "criteria"),
    "encounter": ("encounter", "run into", "come across"),
    "setup": ("setup", "set up", "setting up", "set-up"),
    "discuss": ("debate", "deliberate"),
}
_STEM = Stemmer.Stemmer("english").stemWord  # Snowball English, the stemmer Q&A retrieval uses
_PHRASE_EQUIV = {p: canon for canon, words in _EQUIVALENT.items() for p in words if " " in p}
_STEM_EQUIV = {_STEM(w): canon for canon, words in _EQUIVALENT.items() for w in words if " " not in w}
_PHRASE = re.compile(r"(?<![\w'])(?:" + "|".join(
    re.escape(p) for p in sorted([*_PHRASE_EQUIV, *(k for k in _SPEAKERS if " " in k)], key=len,
                                 reverse=True)) + r")(?!\w)")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'-]*")
_FACT_WORDS = frozenset({w for table in (*_GROUPS.values(), _SPEAKERS) for w in table} | set(_NUMBER_WORDS))


@lru_cache(maxsize=4096)
def content_terms(question: str) -> frozenset[str]:
    """Stemmed content words of a question, equivalents mapped to one token.

    Words the key facts already compare (numbers, roles, polarity, order...) are left out, so
    each difference is reported once, under the check that understands it.
    """
    text = question.lower().replace("’", "'").replace("‘", "'")
    text = _PHRASE.sub(lambda m: " " + _PHRASE_EQUIV.get(m.group(0), "") + " ", text)
    terms = set()
    for token in _TOKEN.findall(text):
        word = token.removesuffix("'s").strip("'-")
        if len(word) < 2 or word in _STOP or word in _FACT_WORDS or word[0].isdigit():
            continue
        stem = _STEM(word)
        terms.add(_STEM_EQUIV.get(stem, stem))
    return frozenset(terms) - _STOP_STEMS


_STOP_STEMS = frozenset(_STEM(w) for w in _STOP)


@dataclass(frozen=True)
class Verdict:
    """Why a cached question does not answer a new one (``ok`` when nothing differs)."""

    reasons: tuple[str, ...]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.reasons


def verify(question: str, cached_question: str) -> Verdict:
    """Checks 1-3 of the module doc: does ``cached_question``'s answer answer ``question``?"""
    reasons = key_facts(question).differences(key_facts(cached_question))
    new, old = content_terms(question), content_terms(cached_question)
    detail = ""
    if new != old:
        reasons.append("content")
        detail = "/".join(sorted(new - old)) + " vs " + "/".join(sorted(old - new))
    return Verdict(tuple(reasons), detail)
