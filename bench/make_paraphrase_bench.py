"""Build halo/cache/data/paraphrase_bench.json: questions about QMSum meetings (and the bundled
sample, QMSum val meeting 26) with paraphrases that must hit the semantic cache and near-miss
variants that must NOT hit it.

Two parts, both deterministic (seeded):
- ``hand``: questions about the bundled meeting written by hand, with free paraphrases (different
  words and structure) and near-misses of every kind.
- ``qmsum``: every specific query of the QMSum val split (real questions people asked about real
  meetings). Paraphrases come from rewrite rules per question shape ("Summarize the discussion
  about X" -> "What was discussed about X?") plus word-level synonyms; near-misses replace the
  speaker with another speaker of the same meeting, add a negation, swap the subject for another
  topic of the same meeting, flip a polar word (agree/disagree, pros/cons), change a number, or
  add a time/order qualifier ("before the break" vs the cached unqualified question).

Rule paraphrases are easier than human ones (they keep most words), so bench_cache.py reports the
hand-written part separately.

    python bench/make_paraphrase_bench.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from halo.paths import PROJECT_ROOT

QMSUM = Path("/work/shared/data/qmsum/val.jsonl")
OUT = PROJECT_ROOT / "halo" / "cache" / "data" / "paraphrase_bench.json"
SAMPLE_VIDEO = "meeting"  # the bundled sample is QMSum val meeting 26

# --------------------------------------------------------------------------------------------
# Hand-written: the bundled meeting (remote control design; PM, Marketing, ID, UI).
# --------------------------------------------------------------------------------------------
HAND: list[dict] = [
    {"q": "What are the target price, target cost and target profit of the remote control?",
     "para": ["How much will the remote sell for, cost to make, and earn in profit?",
              "What selling price, production cost and profit target were set for the remote?",
              "Tell me the price, cost and profit goals for the remote control."],
     "near": [("number", "Is the target price of the remote control above 30 euros?"),
              ("polarity", "What are the lowest price, cost and profit the remote control could have?"),
              ("topic", "What are the target weight, size and battery life of the remote control?")]},
    {"q": "What did the Industrial Designer think of fashion design?",
     "para": ["How did the Industrial Designer feel about making the remote fashionable?",
              "What was the Industrial Designer's opinion on fashion design?",
              "What was the industrial designer's view on a fashionable design?"],
     "near": [("speaker", "What did the Marketing expert think of fashion design?"),
              ("speaker", "What did the Project Manager think of fashion design?"),
              ("negation", "What did the Industrial Designer not like about fashion design?")]},
    {"q": "What did the group think of the battery design of the remote control?",
     "para": ["What was the team's opinion on the remote control's battery design?",
              "How did the group feel about the battery design for the remote?",
              "What did everyone think about the design of the remote's battery?"],
     "near": [("speaker", "What did the User Interface designer think of the battery design of the remote control?"),
              ("number", "What did the group think of using two batteries in the remote control?"),
              ("polarity", "What were the disadvantages of the battery design of the remote control?")]},
    {"q": "What did the group discuss about the design goal of the remote control?",
     "para": ["What did the team say about the design goals for the remote?",
              "What was discussed regarding the remote control's design goal?",
              "How did the group talk about what the remote control design should achieve?"],
     "near": [("order", "What did the group discuss about the design goal of the remote control after the drawing exercise?"),
              ("negation", "What did the group not discuss about the design goal of the remote control?"),
              ("speaker", "What did the Project Manager alone say about the design goal of the remote control?")]},
    {"q": "What did the Marketing expert think of the buttons?",
     "para": ["What was the Marketing expert's opinion on the buttons?",
              "How did the marketing expert feel about the buttons?",
              "What did Marketing say they thought of the buttons?"],
     "near": [("speaker", "What did the Industrial Designer think of the buttons?"),
              ("number", "What did the Marketing expert think of having 10 buttons?"),
              ("polarity", "What did the Marketing expert dislike about the buttons?")]},
    {"q": "Summarize the discussion about the functional design of the remote control.",
     "para": ["Give me a summary of what was said about how the remote control should function.",
              "Summarise the conversation on the remote's functional design.",
              "Can you recap the discussion of the functional design of the remote?"],
     "near": [("order", "Summarize the discussion about the functional design of the remote control in the last five minutes."),
              ("speaker", "Summarize what the User Interface designer said about the functional design of the remote control."),
              ("negation", "Summarize what was not decided about the functional design of the remote control.")]},
    {"q": "Which animal did the Industrial Designer draw on the whiteboard?",
     "para": ["What animal did the industrial designer draw on the whiteboard?",
              "On the whiteboard, which animal was drawn by the Industrial Designer?",
              "Which animal did the Industrial Designer sketch on the board?"],
     "near": [("speaker", "Which animal did the Project Manager draw on the whiteboard?"),
              ("order", "Which animal did the Industrial Designer draw last on the whiteboard?"),
              ("number", "Which two animals did the Industrial Designer draw on the whiteboard?")]},
    {"q": "Why did the Project Manager choose a dog as their favourite animal?",
     "para": ["For what reason did the Project Manager pick a dog as their favourite animal?",
              "What was the reason the Project Manager chose a dog as their favourite animal?",
              "Why was the dog the Project Manager's favourite animal?"],
     "near": [("speaker", "Why did the Marketing expert choose a dog as their favourite animal?"),
              ("negation", "Why did the Project Manager not choose a dog as their favourite animal?"),
              ("kind", "When did the Project Manager choose a dog as their favourite animal?")]},
    {"q": "What is the goal of the new remote control project?",
     "para": ["What is the new remote control project trying to achieve?",
              "What's the aim of the new remote control project?",
              "What is the objective of the project for the new remote?"],
     "near": [("polarity", "What is the goal of the old remote control project?"),
              ("order", "What was the goal of the remote control project before this meeting?"),
              ("kind", "Who set the goal of the new remote control project?")]},
    {"q": "How much profit does the company expect from the remote control?",
     "para": ["What profit does the company expect to make on the remote control?",
              "How much does the company expect to earn in profit from the remote?",
              "What is the expected profit from the remote control?"],
     "near": [("number", "How much profit does the company expect from the remote control in the first 2 years?"),
              ("polarity", "How much loss does the company expect from the remote control?"),
              ("negation", "Why does the company not expect profit from the remote control?")]},
    {"q": "How many euros should the remote control cost to produce?",
     "para": ["What should the production cost of the remote control be in euros?",
              "How many euros is the remote control allowed to cost to make?",
              "In euros, what should it cost to produce the remote control?"],
     "near": [("number", "Should the remote control cost 20 euros to produce?"),
              ("polarity", "How many euros more than planned will the remote control cost to produce?"),
              ("speaker", "How many euros did the Marketing expert say the remote control should cost to produce?")]},
    {"q": "What did the User Interface designer say about the tool training?",
     "para": ["What were the User Interface designer's comments on the tool training?",
              "What did the user interface designer mention about the tool training?",
              "What did the UI designer say regarding the tool training?"],
     "near": [("speaker", "What did the Industrial Designer say about the tool training?"),
              ("order", "What did the User Interface designer say after the tool training?"),
              ("negation", "What did the User Interface designer not say about the tool training?")]},
    {"q": "Did the team agree on making the remote control fashionable?",
     "para": ["Was the team in agreement on making the remote control fashionable?",
              "Did the team reach agreement about a fashionable remote control?",
              "Did everyone on the team agree that the remote control should be fashionable?"],
     "near": [("polarity", "Did the team disagree on making the remote control fashionable?"),
              ("negation", "Did the team not agree on making the remote control fashionable?"),
              ("speaker", "Did the Project Manager agree on making the remote control fashionable?")]},
    {"q": "What was said at the start of the meeting about the project?",
     "para": ["At the start of the meeting, what was said about the project?",
              "What did they say about the project at the beginning of the meeting?",
              "What was mentioned about the project when the meeting began?"],
     "near": [("order", "What was said at the end of the meeting about the project?"),
              ("order", "What was said in the middle of the meeting about the project?"),
              ("speaker", "What did the Marketing expert say at the start of the meeting about the project?")]},
    {"q": "What did the group decide about the remote control's batteries after discussing the buttons?",
     "para": ["After the discussion of the buttons, what did the group decide about the remote control's batteries?",
              "Following the button discussion, what was the group's decision on the remote's batteries?",
              "What was decided about the batteries of the remote after talking about the buttons?"],
     "near": [("order", "What did the group decide about the remote control's batteries before discussing the buttons?"),
              ("negation", "What did the group not decide about the remote control's batteries after discussing the buttons?"),
              ("number", "What did the group decide about the remote control's 2 batteries after discussing the 3 buttons?")]},
    {"q": "What did SPEAKER_A say about the price of the remote?",
     "para": ["What did speaker A say about the remote's price?",
              "What did SPEAKER_A mention regarding the price of the remote?",
              "What were SPEAKER_A's comments about the price of the remote?"],
     "near": [("speaker", "What did SPEAKER_B say about the price of the remote?"),
              ("speaker", "What did SPEAKER_D say about the price of the remote?"),
              ("negation", "What did SPEAKER_A not say about the price of the remote?")]},
    {"q": "What was discussed at 1:30 in the video?",
     "para": ["What was being discussed at 1:30 in the video?",
              "What was the discussion about at 1:30 in the video?",
              "At 1:30 in the video, what was discussed?"],
     "near": [("number", "What was discussed at 2:30 in the video?"),
              ("number", "What was discussed at 1:45 in the video?"),
              ("order", "What was discussed before 1:30 in the video?")]},
    {"q": "What did the team say about the remote in the first minute?",
     "para": ["In the first minute, what did the team say about the remote?",
              "What did the team mention about the remote during the first minute?",
              "What was said by the team about the remote in the first minute?"],
     "near": [("order", "What did the team say about the remote in the last minute?"),
              ("number", "What did the team say about the remote in the first 5 minutes?"),
              ("negation", "What did the team not say about the remote in the first minute?")]},
    {"q": "Who suggested making the remote control with fewer buttons?",
     "para": ["Who proposed a remote control with fewer buttons?",
              "Who was the one who suggested fewer buttons for the remote control?",
              "Which person suggested building the remote control with fewer buttons?"],
     "near": [("polarity", "Who suggested making the remote control with more buttons?"),
              ("negation", "Who did not suggest making the remote control with fewer buttons?"),
              ("kind", "Why was making the remote control with fewer buttons suggested?")]},
    {"q": "What are the advantages of a rechargeable battery for the remote?",
     "para": ["What are the benefits of a rechargeable battery for the remote?",
              "What are the pros of using a rechargeable battery in the remote?",
              "Why would a rechargeable battery be an advantage for the remote?"],
     "near": [("polarity", "What are the disadvantages of a rechargeable battery for the remote?"),
              ("polarity", "What are the drawbacks of a rechargeable battery for the remote?"),
              ("number", "What are the advantages of two rechargeable batteries for the remote?")]},
]

# --------------------------------------------------------------------------------------------
# Rule paraphrases and near-misses for the QMSum queries
# --------------------------------------------------------------------------------------------
ROLES = ["Project Manager", "Marketing", "Industrial Designer", "User Interface"]
SYNONYMS = [("discussion", "conversation"), ("remote control", "remote"), ("the group", "the team"),
            ("the team", "the group"), ("think of", "feel about"), ("think about", "feel about"),
            ("talk about", "discuss"), ("discuss", "talk about"), ("decision", "conclusion"),
            ("Summarize", "Summarise"), ("opinion", "view"), ("about", "regarding")]
NEGATABLE = re.compile(r"\b(did|does|do|was|were|is|are|would|could|should|will)\s+(?!not\b)", re.I)
_CONTRACT = {"did": "didn't", "does": "doesn't", "do": "don't", "was": "wasn't", "were": "weren't",
             "is": "isn't", "are": "aren't", "would": "wouldn't", "could": "couldn't",
             "should": "shouldn't", "will": "won't"}
POLAR = [("agree", "disagree"), ("advantages", "disadvantages"), ("pros", "cons"),
         ("increase", "decrease"), ("more", "less"), ("support", "oppose"), ("like", "dislike"),
         ("higher", "lower"), ("best", "worst"), ("positive", "negative"), ("before", "after"),
         ("first", "last"), ("beginning", "end")]
QUALIFIERS = [("before the break", "after the break"), ("in the first ten minutes", "in the last ten minutes"),
              ("at the start of the meeting", "at the end of the meeting"),
              ("before the presentation", "after the presentation")]


def _strip_q(q: str) -> str:
    return q.strip().rstrip("?.! ")


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:1].isupper() and not s[1:2].isupper() else s


def rule_paraphrases(q: str, rng: random.Random) -> list[str]:
    base = _strip_q(q)
    out: list[str] = []
    m = re.match(r"(?i)summari[sz]e (?:the|their) (?:discussion|discussions) (?:about|on|of) (.+)", base)
    if m:
        x = m.group(1)
        out += [f"Give me a summary of the discussion on {x}.", f"What was discussed about {x}?",
                f"Can you sum up the conversation about {x}?", f"Recap what was said about {x}."]
    m = re.match(r"(?i)what did (.+?) think (?:about|of) (.+)", base)
    if m:
        s, x = m.group(1), m.group(2)
        out += [f"What was {s}'s opinion on {x}?", f"How did {s} feel about {x}?",
                f"What was {s}'s view of {x}?"]
    m = re.match(r"(?i)what did (.+?) (?:say|talk) about (.+)", base)
    if m:
        s, x = m.group(1), m.group(2)
        out += [f"What did {s} mention regarding {x}?", f"What were {s}'s remarks on {x}?",
                f"What did {s} have to say about {x}?"]
    m = re.match(r"(?i)what did (the group|the team|they|the meeting) discuss (?:about )?(.+)", base)
    if m:
        x = m.group(2)
        out += [f"What was discussed about {x}?", f"What did the team talk about regarding {x}?"]
    m = re.match(r"(?i)why did (.+)", base)
    if m:
        out += [f"For what reason did {m.group(1)}?", f"Why exactly did {m.group(1)}?"]
    m = re.match(r"(?i)what (?:was|is|were) the (?:final )?(?:decision|conclusion)s? (?:of|on|about|for) (.+)", base)
    if m:
        x = m.group(1)
        out += [f"What was decided about {x}?", f"What did they conclude regarding {x}?",
                f"What decision was reached on {x}?"]
    m = re.match(r"(?i)summari[sz]e (.+)", base)
    if m and not out:
        x = m.group(1)
        out += [f"Give me a summary of {x}.", f"Can you summarise {x}?", f"Briefly recap {x}."]
    # Conversational wrappers and word-level synonyms work for any shape.
    out += [f"Can you tell me {_lower_first(base)}?", f"Quick question: {_lower_first(base)}?"]
    for a, b in rng.sample(SYNONYMS, len(SYNONYMS)):
        if re.search(rf"\b{re.escape(a)}\b", base):
            out.append(re.sub(rf"\b{re.escape(a)}\b", b, base, count=1) + "?")
            break
    seen, uniq = {q.casefold().strip(" ?.")}, []
    for p in out:
        key = p.casefold().strip(" ?.")
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    rng.shuffle(uniq)
    return uniq[:4]


def _clean_speaker(name: str) -> str:
    name = re.sub(r"\(.*?\)", "", name).strip()
    name = re.sub(r"^(Hon\.|Mr\.|Mrs\.|Ms\.|Dr\.|The Hon\.)\s+", "", name)
    return name.strip()


def rule_near_misses(q: str, speakers: list[str], topics: list[str], rng: random.Random) -> list[tuple[str, str]]:
    base = _strip_q(q)
    out: list[tuple[str, str]] = []
    # Speaker: swap a speaker of this meeting for another, or name one where "the group" asked.
    present = [s for s in speakers if s and re.search(rf"\b{re.escape(s)}\b", base)]
    others = [s for s in speakers if s not in present and s.lower() not in base.lower()]
    if present and others:
        out.append(("speaker", re.sub(rf"\b{re.escape(present[0])}\b", rng.choice(others), base, count=1) + "?"))
    elif others and re.search(r"\b(the group|the team|they|everyone)\b", base, re.I):
        out.append(("speaker", re.sub(r"\b(the group|the team|they|everyone)\b", rng.choice(others), base,
                                      count=1, flags=re.I) + "?"))
    # Negation.
    if NEGATABLE.search(base):
        out.append(("negation", NEGATABLE.sub(lambda m: _CONTRACT[m.group(1).lower()] + " ", base, count=1) + "?"))
    elif re.match(r"(?i)summari[sz]e ", base):
        out.append(("negation", re.sub(r"(?i)^summari[sz]e ", "Summarize what was not agreed in ", base) + "."))
    # Polarity flip of a word already there.
    for a, b in POLAR:
        for x, y in ((a, b), (b, a)):
            if re.search(rf"\b{x}\b", base, re.I):
                out.append(("polarity", re.sub(rf"\b{x}\b", y, base, count=1, flags=re.I) + "?"))
                break
        else:
            continue
        break
    # Number: change one, or add one where a count makes a different question.
    nums = re.findall(r"\b\d+(?:\.\d+)?\b", base)
    if nums:
        n = nums[0]
        out.append(("number", re.sub(rf"\b{re.escape(n)}\b", str(int(float(n)) + rng.choice([1, 2, 5, 10])), base,
                                     count=1) + "?"))
    else:
        out.append(("number", f"{base} in the first {rng.choice(['5', '10', '15', 'three'])} minutes?"))
    # Order/time qualifier the cached question did not have.
    qa, qb = rng.choice(QUALIFIERS)
    out.append(("order", f"{base} {rng.choice([qa, qb])}?"))
    # Topic: the same question about another topic of the meeting.
    m = re.search(r"(?i)\b(about|of|on|regarding) (the )?(.+)$", base)
    if m and topics:
        other = rng.choice([t for t in topics if t.lower() not in base.lower()] or topics)
        out.append(("topic", base[: m.start(3)] + other[:1].lower() + other[1:] + "?"))
    return out


def build(seed: int = 7) -> dict:
    rng = random.Random(seed)
    items: list[dict] = []
    for i, h in enumerate(HAND):
        items.append({"id": f"hand-{i:03d}", "video": SAMPLE_VIDEO, "source": "hand", "question": h["q"],
                      "paraphrases": h["para"],
                      "near_misses": [{"kind": k, "text": t} for k, t in h["near"]]})
    for m_idx, line in enumerate(QMSUM.read_text().splitlines()):
        meeting = json.loads(line)
        speakers = sorted({_clean_speaker(t["speaker"]) for t in meeting["meeting_transcripts"]})
        if set(speakers) <= set(ROLES):
            speakers = ROLES
        speakers = [s for s in speakers if s and len(s) < 40]
        topics = [t["topic"] for t in meeting["topic_list"]]
        seen: set[str] = set()
        for q_idx, q in enumerate(meeting["specific_query_list"]):
            question = q["query"].strip()
            if question.casefold() in seen:
                continue
            seen.add(question.casefold())
            items.append({
                "id": f"qmsum-val{m_idx:02d}-{q_idx:02d}", "video": f"qmsum-val-{m_idx}", "source": "qmsum",
                "question": question,
                "paraphrases": rule_paraphrases(question, rng),
                "near_misses": [{"kind": k, "text": t} for k, t in rule_near_misses(question, speakers, topics, rng)],
            })
    return {
        "description": "Semantic-cache benchmark: for each cached question, paraphrases that must hit "
                       "it and near-miss variants that must not. Built by bench/make_paraphrase_bench.py "
                       "from QMSum val (Zhong et al., NAACL 2021) and the bundled sample meeting.",
        "seed": seed,
        "items": items,
    }


def main() -> None:
    data = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    n = len(data["items"])
    print(f"{n} questions, {sum(len(i['paraphrases']) for i in data['items'])} paraphrases, "
          f"{sum(len(i['near_misses']) for i in data['items'])} near-misses -> {OUT}")


if __name__ == "__main__":
    main()
