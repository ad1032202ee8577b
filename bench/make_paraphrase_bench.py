"""Build bench/data/cache_bench.json: QMSum val queries with paraphrases that must hit the cache and
near-misses that must not, each labelled with its meeting's half (bench/splits.py).

Two independent sources, so the verifier cannot be tuned to one way of writing:
- ``rule``: every specific query of QMSum val, rewritten by rules. Paraphrases change only the
  frame of the question (clause order, "what did X think of" -> "what was X's opinion on",
  "summarize the discussion about" -> "what was discussed about"); near-misses change what is
  asked: ``role_swap`` (two people exchanged), ``role_replace`` (another speaker of the
  meeting), ``quantity`` (another number, or an ordinal added), ``polarity`` (antonym or
  negation), ``time_order`` (before/after, first/last swapped or a time qualifier added),
  ``attribute`` (a sibling attribute: cost / price / profit, size / shape / colour...) and
  ``topic`` (the subject replaced by another query's subject from the same meeting).
- ``hand``: one query per meeting, with paraphrases and near-misses written by hand for this
  benchmark (fresh, not from the previous set), as a user would type them. Some hand
  paraphrases change content words on purpose ("desired features" -> "features people
  want"): a verifier that only accepts frame changes misses them, and the bench shows it.

The issue's near-miss pairs (selling price vs production cost, swapped roles, profit target vs
production cost target) are among the ``attribute`` and ``role_swap`` kinds.

    python -m bench.make_paraphrase_bench
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from bench.splits import qmsum_val
from bench.splits import half_of

QMSUM = qmsum_val()
OUT = Path(__file__).resolve().parent / "data" / "cache_bench.json"

# --------------------------------------------------------------------------------------------
# Hand-written: (query prefix, paraphrases, [(kind, near-miss)]) for one query per meeting.
# --------------------------------------------------------------------------------------------
HAND: dict[int, tuple[str, list[str], list[tuple[str, str]]]] = {
    0: ("What was said on speech overlap",
        ["What did people say about overlapping speech?", "What was discussed about speech overlap?",
         "Summarize what was said on the overlap of speech."],
        [("attribute", "What was said on speech recognition?"),
         ("time_order", "What was said on speech overlap at the end of the meeting?"),
         ("polarity", "What was said against the speech overlap work?")]),
    1: ("Why did Industrial Design agree with the Marketing when discussing their presentations",
        ["When the presentations on appearance design were discussed, why did the Industrial Designer agree with Marketing?",
         "What made Industrial Design agree with Marketing during the discussion of the appearance design presentations?",
         "For what reason did the industrial designer side with marketing on the appearance design presentations?"],
        [("role_swap", "Why did Marketing agree with the Industrial Designer when discussing their presentations on the appearance design?"),
         ("polarity", "Why did Industrial Design disagree with the Marketing when discussing their presentations on the appearance design?"),
         ("attribute", "Why did Industrial Design agree with the Marketing when discussing their presentations on the interior design?")]),
    2: ("What did the group discuss about the functions of the remote control",
        ["What did the team say about the remote's functions?", "How were the functions of the remote control discussed?",
         "What was talked about regarding the remote control functions?"],
        [("attribute", "What did the group discuss about the buttons of the remote control?"),
         ("attribute", "What did the group discuss about the functions of the television?"),
         ("role_replace", "What did the Project Manager discuss about the functions of the remote control?")]),
    3: ("What did Industrial Designer say about the structure of the device",
        ["What did the industrial designer say regarding the device's structure?",
         "How did the Industrial Designer describe the structure of the device?",
         "What were the Industrial Designer's comments on how the device is structured?"],
        [("role_replace", "What did Marketing say about the structure of the device?"),
         ("attribute", "What did Industrial Designer say about the cost of the device?"),
         ("time_order", "What did Industrial Designer say about the structure of the device before the break?")]),
    4: ("Summarize the presentations on working design, technical functions",
        ["Give me a summary of the presentations about working design, technical functions and functional requirements.",
         "Recap the presentations on the working design, the technical functions and the functional requirements."],
        [("attribute", "Summarize the presentations on working design and technical functions."),
         ("attribute", "Summarize the presentations on working design, technical functions, user requirements."),
         ("polarity", "Summarize the criticism of the presentations on working design, technical functions, functional requirements.")]),
    5: ("Why did the marketing think they should aim at young people",
        ["Why did Marketing believe the target should be young people?",
         "What was Marketing's reason for aiming at young people?",
         "Why was marketing of the view that they should target young people?"],
        [("polarity", "Why did the marketing think they should aim at old people?"),
         ("polarity", "Why did the marketing think they should not aim at young people?"),
         ("role_replace", "Why did the Project Manager think they should aim at young people?")]),
    6: ("What were the problems encountered with SmartKom system",
        ["What problems did they run into with the SmartKom system?", "Which issues came up with SmartKom?",
         "What difficulties were encountered with the SmartKom system?"],
        [("attribute", "What were the solutions found for the SmartKom system?"),
         ("attribute", "What were the problems encountered with the parser?"),
         ("time_order", "What were the first problems encountered with SmartKom system?")]),
    7: ("What did the user interface designer propose in the discussion about industrial components",
        ["What did the UI designer suggest when industrial components were discussed?",
         "What was the user interface designer's proposal about industrial components?",
         "During the industrial components discussion, what did the user interface designer recommend?"],
        [("role_replace", "What did the industrial designer propose in the discussion about industrial components?"),
         ("attribute", "What did the user interface designer propose in the discussion about the interface design?"),
         ("polarity", "What did the user interface designer reject in the discussion about industrial components?")]),
    8: ("Why did Project Manager agree with Marketing when assessing",
        ["When assessing the criterion of matching the user's operating behaviour, why did the Project Manager agree with Marketing?",
         "Why was the Project Manager in agreement with Marketing when they assessed the criteria of matching the operating behaviour of the user?"],
        [("role_swap", "Why did Marketing agree with Project Manager when assessing the criteria of matching the operating behaviour of the user?"),
         ("polarity", "Why did Project Manager disagree with Marketing when assessing the criteria of matching the operating behaviour of the user?"),
         ("attribute", "Why did Project Manager agree with Marketing when assessing the criteria of matching the price expectations of the user?")]),
    9: ("Why didn't the Industrial Design agree with the User Interface",
        ["When discussing the financial problems, why didn't the Industrial Designer agree with the User Interface?",
         "Why did Industrial Design disagree with User Interface about the financial problems?",
         "What made the industrial designer not agree with the UI designer on the financial issue problems?"],
        [("role_swap", "Why didn't the User Interface agree with the Industrial Design when discussing the problems of the financial issue?"),
         ("polarity", "Why did the Industrial Design agree with the User Interface when discussing the problems of the financial issue?"),
         ("attribute", "Why didn't the Industrial Design agree with the User Interface when discussing the problems of the technical issue?")]),
    10: ("What did C think about setting up the recording equipment",
         ["What was C's opinion on setting up the recording equipment?", "How did C feel about the recording equipment setup?",
          "What were C's thoughts on setting up the recording equipment?"],
         [("role_replace", "What did A think about setting up the recording equipment?"),
          ("attribute", "What did C think about taking down the recording equipment?"),
          ("time_order", "What did C think about setting up the recording equipment after the meeting?")]),
    11: ("What were the two lessons that can be learned from early implementer areas",
         ["What two lessons can be learned from the early implementer areas?",
          "Which two lessons could be drawn from the early implementer areas?",
          "Name the two lessons learnt from the early implementer areas."],
         [("quantity", "What were the three lessons that can be learned from early implementer areas?"),
          ("attribute", "What were the two lessons that can be learned from late implementer areas?"),
          ("attribute", "What were the two mistakes made in early implementer areas?")]),
    12: ("How did Marketing design the product evaluation",
         ["How was the product evaluation designed by Marketing?", "In what way did Marketing design the product evaluation?",
          "How did the marketing expert set up the product evaluation?"],
         [("role_replace", "How did User Interface design the product evaluation?"),
          ("attribute", "How did Marketing design the product prototype?"),
          ("attribute", "Why did Marketing design the product evaluation?")]),
    13: ("What did Industrial Designer think of the scroll wheel",
         ["What was the Industrial Designer's opinion of the scroll wheel while the user interface was presented?",
          "How did the industrial designer feel about the scroll wheel during the user interface presentation?",
          "When the user interface was being presented, what did the Industrial Designer think of the scroll wheel?"],
         [("attribute", "What did Industrial Designer think of the push buttons when presenting the user interface?"),
          ("role_replace", "What did Marketing think of the scroll wheel when presenting the user interface?"),
          ("attribute", "What did Industrial Designer think of the scroll wheel when presenting the market trends?")]),
    14: ("How did Kirsty Williams respond to the doubt",
         ["What was Kirsty Williams' response to doubts that their action was not enough?",
          "How did Kirsty Williams answer the doubt that their action was insufficient?",
          "How did Kirsty Williams reply to the concern that what they did was not enough?"],
         [("role_replace", "How did Suzy Davies respond to the doubt that their action was not enough?"),
          ("quantity", "How did Kirsty Williams respond to the doubt that their action was too much?"),
          ("polarity", "How did Kirsty Williams respond to the praise that their action was enough?")]),
    15: ("What did Vaughan Gething think of the mental health recovery plan",
         ["What was Vaughan Gething's view on the mental health recovery plan in the discussion of continuing mental health services during lockdown?",
          "When talking about ways to continue mental health services during the lockdown, what did Vaughan Gething think of the mental health recovery plan?"],
         [("role_replace", "What did Sian Gwenllian think of the mental health recovery plan when talking about the ways of continuing mental health service during the lockdown?"),
          ("time_order", "What did Vaughan Gething think of the mental health recovery plan when talking about the ways of continuing mental health service after the lockdown?"),
          ("attribute", "What did Vaughan Gething think of the mental health funding plan when talking about the ways of continuing mental health service during the lockdown?")]),
    16: ("What did Grad E contribute to the discussion on storage disks",
         ["What was Grad E's contribution to the storage disk discussion?",
          "What did Grad E add to the discussion about storage disks?"],
         [("role_replace", "What did Grad A contribute to the discussion on storage disks?"),
          ("attribute", "What did Grad E contribute to the discussion on computer connections?"),
          ("polarity", "What did Grad E object to in the discussion on storage disks?")]),
    17: ("Summarize discussion about the desired features of remote control",
         ["Summarise the discussion of which features people want in the remote control.",
          "Give a summary of what was discussed about the remote control's desired features.",
          "What was discussed about the desired features of the remote?"],
         [("polarity", "Summarize discussion about the undesired features of remote control."),
          ("attribute", "Summarize discussion about the desired price of remote control."),
          ("attribute", "Summarize discussion about the desired features of the television.")]),
    18: ("What was the debate over the situation of long-term care",
         ["What was debated about the situation in long-term care?", "How did the debate on the long-term care situation go?",
          "Summarize the debate over the state of long-term care."],
         [("attribute", "What was the debate over the situation of short-term care?"),
          ("attribute", "What was the debate over the funding of long-term care?"),
          ("time_order", "What was the debate over the situation of long-term care before the pandemic?")]),
    19: ("What did Grad F think about intermediate categories",
         ["What was Grad F's view on intermediate categories?", "How did Grad F feel about the intermediate categories?",
          "What were Grad F's thoughts about intermediate categories?"],
         [("role_replace", "What did Professor B think about intermediate categories?"),
          ("attribute", "What did Grad F think about final categories?"),
          ("topic", "What did Grad F think about the TORRENT schedule?")]),
    20: ("What did the Industrial Designer and the Project Manager discuss about the LCD screen",
         ["What did the Project Manager and Industrial Designer say about the LCD screen?",
          "What was discussed between the Industrial Designer and the Project Manager about the LCD screen?"],
         [("role_replace", "What did the Industrial Designer and the Marketing discuss about the LCD screen?"),
          ("attribute", "What did the Industrial Designer and the Project Manager discuss about the speech recognizer?"),
          ("polarity", "What did the Industrial Designer and the Project Manager disagree about on the LCD screen?")]),
    21: ("How did User Interface answer Project Manager's question",
         ["What was the User Interface designer's reply to the Project Manager's question about the icon design on the buttons?",
          "How did the UI designer respond when the Project Manager asked about icon design on the buttons?"],
         [("role_swap", "How did Project Manager answer User Interface's question about the icon design on the buttons?"),
          ("attribute", "How did User Interface answer Project Manager's question about the colour design on the buttons?"),
          ("attribute", "How did User Interface answer Project Manager's question about the icon design on the screen?")]),
    22: ("What were the three main causes for the financial challenges",
         ["What three main causes were behind the universities' financial challenges?",
          "Name the three main causes of the financial challenges the universities face."],
         [("quantity", "What were the two main causes for the financial challenges facing the universities?"),
          ("attribute", "What were the three main solutions for the financial challenges facing the universities?"),
          ("attribute", "What were the three main causes for the financial challenges facing the colleges?")]),
    23: ("What were the advantages of the design for the prototype",
         ["What were the benefits of the prototype's design?", "What advantages did the prototype design have?",
          "Which strengths did the design of the prototype have?"],
         [("polarity", "What were the disadvantages of the design for the prototype?"),
          ("attribute", "What were the advantages of the materials for the prototype?"),
          ("attribute", "What were the advantages of the design for the final product?")]),
    24: ("What is Marketing's presentation mainly about",
         ["What does the Marketing presentation mostly cover?", "What is the main topic of Marketing's presentation?",
          "What was the marketing expert's presentation about?"],
         [("role_replace", "What is Industrial Designer's presentation mainly about?"),
          ("quantity", "What is Marketing's second presentation mainly about?"),
          ("attribute", "What is Marketing's evaluation mainly about?")]),
    25: ("What's the decision of buttons size and scale design",
         ["What was decided about the size and scale of the buttons in the remote control design discussion?",
          "When discussing the remote's design, what did they decide on the button size and scale design?"],
         [("attribute", "What's the decision of buttons colour and scale design when discussing the design of the remote control?"),
          ("attribute", "What's the decision of screen size and scale design when discussing the design of the remote control?"),
          ("attribute", "What's the decision of buttons size and scale design when discussing the cost of the remote control?")]),
    26: ("What did the Industrial Designer think of fashion design",
         ["How did the Industrial Designer feel about fashion design when the remote's design was discussed?",
          "What was the industrial designer's opinion of fashion design in the remote control design discussion?"],
         [("role_replace", "What did the Marketing think of fashion design when discussing the design of the remote control?"),
          ("attribute", "What did the Industrial Designer think of the battery design when discussing the design of the remote control?"),
          ("attribute", "What did the Industrial Designer think of fashion design when discussing the price of the remote control?")]),
    27: ("What was decided on the microphone procedures",
         ["What decisions were made about the microphone procedures?", "What was the decision on microphone procedures?",
          "What did they decide regarding the procedures for the microphones?"],
         [("attribute", "What was decided on the recording procedures?"),
          ("polarity", "What was not decided on the microphone procedures?"),
          ("time_order", "What was decided on the microphone procedures at the start of the meeting?")]),
    28: ("How would the mental spaces operate",
         ["How are the mental spaces supposed to work?", "In what way would mental spaces operate?",
          "How would mental spaces function?"],
         [("topic", "How would the semantic specification operate?"),
          ("attribute", "Why would the mental spaces operate?"),
          ("attribute", "How would the mental spaces fail?")]),
    29: ("What did the Professor think about the results",
         ["What was the Professor's opinion of the results?", "How did the professor feel about the results?",
          "What were the professor's thoughts on the results?"],
         [("role_replace", "What did PhD A think about the results?"),
          ("attribute", "What did the Professor think about the experiments?"),
          ("quantity", "What did the Professor think about the results of the first experiment?")]),
    30: ("Why did the Project Manager agree with Marketing when discussing his personal ideas",
         ["When discussing his personal ideas on the design, why did the Project Manager agree with Marketing?",
          "What was the reason the Project Manager agreed with Marketing about his personal design ideas?"],
         [("role_swap", "Why did Marketing agree with the Project Manager when discussing his personal ideas towards the design?"),
          ("polarity", "Why did the Project Manager disagree with Marketing when discussing his personal ideas towards the design?"),
          ("attribute", "Why did the Project Manager agree with Marketing when discussing his personal ideas towards the budget?")]),
    31: ("What did the Prime Minister say about students",
         ["What did the Prime Minister say regarding students?", "What were the Prime Minister's remarks about students?",
          "What did the PM say about the students?"],
         [("attribute", "What did the Prime Minister say about seniors?"),
          ("role_replace", "What did the Minister of Seniors say about students?"),
          ("time_order", "What did the Prime Minister say about students before the pandemic?")]),
    32: ("What did the professor think about clustering",
         ["What was the professor's view on clustering?", "How did the professor feel about clustering?"],
         [("topic", "What did the professor think about positional parameters?"),
          ("role_replace", "What did PhD B think about clustering?"),
          ("polarity", "What did the professor not like about clustering?")]),
    33: ("What did the team mention about their experiences with remote controls",
         ["What did the team say about their experience with remote controls?",
          "What experiences with remote controls did the team talk about?",
          "How did the group describe their past experiences with remotes?"],
         [("attribute", "What did the team mention about their experiences with televisions?"),
          ("polarity", "What did the team mention about their bad experiences with remote controls?"),
          ("role_replace", "What did the Project Manager mention about their experiences with remote controls?")]),
    34: ("What did Project Manager think of the manual design",
         ["What was the Project Manager's opinion of the manual design in the ease-of-use discussion?",
          "When the ease of use was discussed, how did the Project Manager feel about the manual design?"],
         [("role_replace", "What did Marketing think of the manual design when discussing the ease of use?"),
          ("attribute", "What did Project Manager think of the automatic design when discussing the ease of use?"),
          ("attribute", "What did Project Manager think of the manual design when discussing the price?")]),
}

# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------
AMI_ROLES = {"Project Manager": ["Marketing", "Industrial Designer", "User Interface"],
             "Marketing": ["Project Manager", "Industrial Designer", "User Interface"],
             "Industrial Designer": ["Marketing", "Project Manager", "User Interface"],
             "Industrial Design": ["Marketing", "Project Manager", "User Interface"],
             "User Interface": ["Marketing", "Industrial Designer", "Project Manager"]}
ANTONYMS = [("agree", "disagree"), ("agreed", "disagreed"), ("advantages", "disadvantages"),
            ("pros", "cons"), ("benefits", "drawbacks"), ("support", "oppose"), ("like", "dislike"),
            ("accept", "reject"), ("increase", "decrease"), ("positive", "negative"),
            ("good", "bad"), ("strengths", "weaknesses"), ("problems", "solutions"),
            ("more", "less"), ("higher", "lower"), ("success", "failure")]
ORDER_SWAPS = [("before", "after"), ("first", "last"), ("beginning", "end"), ("start", "end"),
               ("early", "late"), ("previous", "next")]
QUALIFIERS = ["before the break", "at the start of the meeting", "after the presentation",
              "in the last ten minutes", "later in the meeting"]
# Sibling attributes: asking about one is not asking about the other.
SIBLINGS = [["price", "cost", "profit", "budget", "sales"],
            ["selling price", "production cost"], ["profit target", "production cost target"],
            ["size", "shape", "colour", "weight"], ["battery", "screen", "case", "scroll wheel"],
            ["buttons", "batteries", "chips"], ["functions", "materials", "appearance"],
            ["design", "evaluation", "prototype"], ["students", "seniors", "workers"],
            ["teachers", "nurses"], ["universities", "schools"], ["recording", "transcription"],
            ["advantages", "costs"], ["speech", "gesture"], ["young", "elderly"],
            ["users", "manufacturers"], ["funding", "staffing"], ["training", "testing"],
            ["data", "software"], ["microphone", "camera"], ["service", "policy"],
            ["requirements", "trends"], ["market", "budget"], ["strategy", "schedule"]]
NUMBERS = {"one": "two", "two": "three", "three": "two", "four": "five", "five": "four",
           "first": "second", "second": "third", "third": "first", "ten": "twenty"}
NEGATE_VERB = re.compile(
    r"\b(did|does|do) ((?:the )?[\w' -]+?) (think|say|discuss|talk|agree|decide|propose|suggest|mention|"
    r"like|want|recommend|conclude|present|contribute|learn|question|respond|answer|introduce|"
    r"design|describe|explain|support|prefer|believe|expect|choose)\b", re.I)
NEGATE_PASSIVE = re.compile(r"\b(was|were) (decided|said|discussed|agreed|concluded|proposed|suggested|mentioned)\b", re.I)
AUX_SUBJECT = re.compile(r"^(what|why|how) did (.+?) (think|feel) (about|of|on) (.+)$", re.I)


def _strip(q: str) -> str:
    return q.strip().rstrip("?.! ").replace("’", "'")


def _q(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[0].upper() + text[1:] + "?"


def _people_in(q: str, people: list[str]) -> list[tuple[int, str]]:
    found = []
    for p in sorted(people, key=len, reverse=True):
        for m in re.finditer(r"\b" + re.escape(p) + r"\b", q):
            if not any(s <= m.start() < s + len(o) for s, o in found):
                found.append((m.start(), p))
    return sorted(found)


def rule_paraphrases(q: str) -> list[str]:
    """Frame changes only: the content words and the people stay, in the same order."""
    base = _strip(q)
    out: list[str] = []
    m = re.match(r"(?i)summari[sz]e (?:the )?(?:discussion|discussions) (?:about|on|of) (.+)", base)
    if m:
        out += [f"What was discussed about {m.group(1)}", f"Give me a summary of the discussion on {m.group(1)}"]
    m = re.match(r"(?i)what did (.+?) (?:think|feel) (?:about|of) (.+)", base)
    if m:
        out += [f"What was {m.group(1)}'s opinion on {m.group(2)}", f"How did {m.group(1)} feel about {m.group(2)}"]
    m = re.match(r"(?i)what did (.+?) say about (.+)", base)
    if m:
        out += [f"What did {m.group(1)} mention regarding {m.group(2)}", f"What were {m.group(1)}'s remarks on {m.group(2)}"]
    m = re.match(r"(?i)what did (the group|the team) (?:discuss|talk) (?:about )?(.+)", base)
    if m:
        out += [f"What was talked about regarding {m.group(2)}"]
    m = re.match(r"(?i)(why|what|how) did (.+?) (when|while) (discussing|talking about|presenting) (.+)", base)
    if m:
        out += [f"{m.group(3)} {m.group(4)} {m.group(5)}, {m.group(1).lower()} did {m.group(2)}"]
    m = re.match(r"(?i)what (?:is|was) the (?:decision|conclusion) (?:of|on|about) (.+)", base)
    if m:
        out += [f"What was decided about {m.group(1)}"]
    if not out:
        out.append(f"Could you tell me: {base[0].lower() + base[1:] if not base[1:2].isupper() else base}")
    out.append(f"In this meeting, {base[0].lower() + base[1:] if not base[1:2].isupper() else base}")
    return [_q(p) for p in dict.fromkeys(out) if _strip(p).lower() != base.lower()][:3]


def swap_first(text: str, pairs) -> str | None:
    """``text`` with the first word of ``pairs`` it contains (either side of a pair) replaced by
    its partner, once; None when it contains none."""
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            if re.search(r"\b" + x + r"\b", text, re.I):
                return re.sub(r"\b" + x + r"\b", y, text, count=1, flags=re.I)
    return None


def rule_near_misses(q: str, speakers: list[str], topics: list[str], rng: random.Random) -> list[tuple[str, str]]:
    base = _strip(q)
    out: list[tuple[str, str]] = []
    roles = [r for r in AMI_ROLES if r in speakers or (r == "Industrial Design" and "Industrial Designer" in speakers)]
    people = sorted(set(speakers) | set(roles))
    found = _people_in(base, people)
    names = list(dict.fromkeys(p for _, p in found))
    if len(names) >= 2:
        a, b = names[0], names[1]
        swapped = re.sub(r"\b(" + re.escape(a) + "|" + re.escape(b) + r")\b",
                         lambda m: b if m.group(0) == a else a, base)
        out.append(("role_swap", swapped))
    if names:
        others = [p for p in (AMI_ROLES.get(names[0]) or speakers) if p not in names and p not in AMI_ROLES.get(names[0], [])[3:]]
        others = [p for p in others if p != names[0] and not (names[0].startswith(p) or p.startswith(names[0]))]
        if others:
            out.append(("role_replace", re.sub(r"\b" + re.escape(names[0]) + r"\b", rng.choice(others), base, count=1)))
    elif re.search(r"\b(the group|the team)\b", base, re.I) and speakers:
        out.append(("role_replace", re.sub(r"\b(the group|the team)\b", "the " + rng.choice(speakers), base, count=1, flags=re.I)))
    m = re.search(r"\b(\d+)\b", base)
    words = [w for w in NUMBERS if re.search(r"\b" + w + r"\b", base, re.I)]
    if m:
        out.append(("quantity", base[:m.start()] + str(int(m.group(1)) + 2) + base[m.end():]))
    elif words:
        w = words[0]
        out.append(("quantity", re.sub(r"\b" + w + r"\b", NUMBERS[w], base, count=1, flags=re.I)))
    else:
        m = re.search(r"\bthe (discussion|presentation|presentations|meeting|proposal|idea|ideas|question|plan|design)\b", base)
        if m:
            out.append(("quantity", base[:m.start()] + f"the second {m.group(1)}" + base[m.end():]))
    flipped = swap_first(base, ANTONYMS)
    if flipped is None:
        m = NEGATE_VERB.search(base)
        if m and "not" not in base.split():
            flipped = base[:m.start()] + f"{m.group(1)} {m.group(2)} not {m.group(3)}" + base[m.end():]
        else:
            m = NEGATE_PASSIVE.search(base)
            if m:
                flipped = base[:m.start()] + f"{m.group(1)} not {m.group(2)}" + base[m.end():]
    if flipped:
        out.append(("polarity", flipped))
    swapped = swap_first(base, ORDER_SWAPS)
    out.append(("time_order", swapped or f"{base} {rng.choice(QUALIFIERS)}"))
    for group in SIBLINGS:
        hit = [w for w in group if re.search(r"\b" + re.escape(w) + r"\b", base, re.I)]
        if hit:
            w = max(hit, key=len)
            other = rng.choice([x for x in group if x != w and x not in hit])
            out.append(("attribute", re.sub(r"\b" + re.escape(w) + r"\b", other, base, count=1, flags=re.I)))
            break
    subject = _subject(base)
    candidates = [t for t in topics if t and subject and t.lower() != subject.lower()
                  and t.lower() not in base.lower() and subject.lower() not in t.lower()]
    if subject and candidates:
        out.append(("topic", base.replace(subject, rng.choice(candidates), 1)))
    return [(k, _q(t)) for k, t in out if _strip(t).lower() != base.lower()]


_SUBJECT = re.compile(r"\b(?:about|on|of|regarding|concerning|discussing)\s+(?:the\s+)?(.+?)(?=\s+(?:when|while|and why|during)\b|$)", re.I)


def _subject(q: str) -> str:
    """The thing a question asks about: the words after about/on/of (before a when-clause)."""
    m = _SUBJECT.search(q)
    return m.group(1).strip() if m else ""


def _speaker_name(raw: str) -> str:
    name = re.sub(r"\(.*", "", raw)
    name = re.sub(r"^(?:Mr\.|Ms\.|Mrs\.|Dr|Hon\.|Right Hon\.)\s+", "", name.strip())
    return re.sub(r"\s+AM$", "", name).strip()


def build(seed: int = 15) -> dict:
    rng = random.Random(seed)
    items = []
    for index, line in enumerate(QMSUM.read_text().splitlines()):
        meeting = json.loads(line)
        speakers = list(dict.fromkeys(_speaker_name(t["speaker"]) for t in meeting["meeting_transcripts"]))
        speakers = [s for s in speakers if s and s != "The Chair"]
        queries = [q["query"].strip() for q in meeting["specific_query_list"]]
        topics = [_subject(_strip(q)) for q in queries] + [t["topic"] for t in meeting["topic_list"]]
        hand = HAND.get(index)
        for n, query in enumerate(queries):
            paraphrases = [{"text": p, "source": "rule"} for p in rule_paraphrases(query)]
            near = [{"text": t, "kind": k, "source": "rule"}
                    for k, t in rule_near_misses(query, speakers, topics, rng)]
            if hand and query.replace("’", "'").startswith(hand[0]):
                paraphrases += [{"text": p, "source": "hand"} for p in hand[1]]
                near += [{"text": t, "kind": k, "source": "hand"} for k, t in hand[2]]
                hand = None
            paraphrases = list({p["text"].lower(): p for p in paraphrases}.values())
            near = list({nm["text"].lower(): nm for nm in near}.values())
            items.append({"id": f"m{index}q{n}", "meeting": index, "half": half_of(index),
                          "video": f"qmsum-{index}", "question": query,
                          "paraphrases": paraphrases, "near_misses": near})
        if hand is not None:
            raise SystemExit(f"meeting {index}: hand-written query {hand[0]!r} not found")
    return {"description": "QMSum val queries, paraphrases (must hit) and near-misses (must not); "
                           "built by bench/make_paraphrase_bench.py; half per bench/splits.py",
            "seed": seed, "items": items}


def main() -> None:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    items = data["items"]
    for half in ("tune", "report"):
        its = [i for i in items if i["half"] == half]
        kinds: dict[str, int] = {}
        for it in its:
            for nm in it["near_misses"]:
                kinds[nm["kind"]] = kinds.get(nm["kind"], 0) + 1
        print(f"{half}: {len(its)} questions, {sum(len(i['paraphrases']) for i in its)} paraphrases, "
              f"{sum(len(i['near_misses']) for i in its)} near-misses {kinds}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
