"""A parser for Moodle's GIFT question format (the common part of it).

Supported: // comments, $CATEGORY:, ::title::, [html]/[markdown]/[plain] markers, multiple choice with
one right answer {=right ~wrong}, weights ~%50%, several right answers (multiple choice), true/false
{T} {F} {TRUE} {FALSE} with #feedback, short answer {=a =b}, per-answer #feedback and ####general
feedback, escapes \\: \\= \\~ \\# \\{ \\} \\\\ and \\n. Numeric {#...}, matching {=a -> b} and essay {} are
reported as unsupported. Every problem carries the line number where its question starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.learning.models import QuestionKind

ESCAPABLE = set(":=~#{}\\")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
FORMAT_MARKER = re.compile(r"^\[(html|moodle|markdown|plain)\]", re.IGNORECASE)


@dataclass
class ParsedChoice:
    text: str
    weight: float
    feedback: str = ""


@dataclass
class ParsedQuestion:
    line: int
    kind: QuestionKind
    text: str
    title: str = ""
    category: str = ""
    feedback: str = ""
    choices: list[ParsedChoice] = field(default_factory=list)


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Dòng %(line)d: %(message)s", line=self.line, message=self.message)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt if nxt in ESCAPABLE else ch + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).strip()


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split_items(block: str) -> list[tuple[str, str]]:
    """Split an answer block into (marker, body) items at unescaped = and ~."""
    items: list[tuple[str, str]] = []
    i, current, marker = 0, [], None
    while i < len(block):
        ch = block[i]
        if ch == "\\" and i + 1 < len(block):
            current.append(block[i:i + 2])
            i += 2
            continue
        if ch in "=~":
            if marker is not None:
                items.append((marker, "".join(current)))
            elif "".join(current).strip():
                items.append(("?", "".join(current)))
            marker, current = ch, []
        else:
            current.append(ch)
        i += 1
    if marker is not None:
        items.append((marker, "".join(current)))
    elif "".join(current).strip():
        items.append(("?", "".join(current)))
    return items


def _chunks(source: str):
    """(first line number, lines) for each blank-line separated block, comments removed."""
    block, start = [], 0
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield start, block
            block = []
            continue
        if not block:
            start = number
        block.append((number, line))
    if block:
        yield start, block


def parse(source: str) -> tuple[list[ParsedQuestion], list[Problem]]:
    """Parse GIFT text into questions and problems; the caller imports nothing when there is a problem."""
    source = source.lstrip("\ufeff")
    questions: list[ParsedQuestion] = []
    problems: list[Problem] = []
    category = ""
    for start, lines in _chunks(source):
        while lines and lines[0][1].lstrip().upper().startswith("$CATEGORY:"):
            category = lines[0][1].split(":", 1)[1].strip()
            if category.startswith("$course$/"):
                category = category[len("$course$/"):]
            lines = lines[1:]
        if not lines:
            continue
        start = lines[0][0]
        text = "\n".join(line for _n, line in lines)
        try:
            questions.append(_parse_question(text, start, category))
        except _GiftError as error:
            problems.append(Problem(start + error.offset_line, error.message))
    if not questions and not problems:
        problems.append(Problem(1, _("Tệp không có câu hỏi nào.")))
    return questions, problems


class _GiftError(Exception):
    def __init__(self, message: str, offset_line: int = 0):
        super().__init__(message)
        self.message = message
        self.offset_line = offset_line


def _parse_question(text: str, start: int, category: str) -> ParsedQuestion:
    title = ""
    body = text.strip()
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end < 0:
            raise _GiftError(_("Tiêu đề câu hỏi thiếu dấu :: đóng."))
        title = _unescape(body[2:end])
        body = body[end + 2:].strip()
    open_at = _find(body, "{")
    if open_at < 0:
        raise _GiftError(_("Thiếu phần đáp án trong dấu { }."))
    close_at = _find(body, "}", open_at + 1)
    if close_at < 0:
        raise _GiftError(_("Thiếu dấu } đóng phần đáp án."), text[: text.find("{")].count("\n"))
    before, block, after = body[:open_at], body[open_at + 1:close_at].strip(), body[close_at + 1:]
    stem = FORMAT_MARKER.sub("", before.strip())
    question_text = _unescape(stem)
    if after.strip():
        question_text = f"{question_text} _____ {_unescape(after)}".strip()
    if not question_text:
        raise _GiftError(_("Câu hỏi không có nội dung."))
    general = ""
    general_at = _find(block, "####")
    if general_at >= 0:
        general = _unescape(block[general_at + 4:])
        block = block[:general_at].strip()
    if not block:
        raise _GiftError(_("Câu hỏi tự luận ({}) chưa được hỗ trợ."))
    if block.startswith("#"):
        raise _GiftError(_("Câu hỏi dạng số ({#...}) chưa được hỗ trợ."))
    question = ParsedQuestion(line=start, kind=QuestionKind.SINGLE, text=question_text, title=title,
                              category=category, feedback=general)
    true_false = re.match(r"^(T|F|TRUE|FALSE)\s*(#.*)?$", block, re.DOTALL)
    if true_false:
        right = true_false.group(1) in ("T", "TRUE")
        parts = _split_feedback(true_false.group(2) or "")
        wrong_feedback = parts[0] if parts else ""
        right_feedback = parts[1] if len(parts) > 1 else ""
        question.kind = QuestionKind.TRUE_FALSE
        question.choices = [
            ParsedChoice("true", 1.0 if right else 0.0, right_feedback if right else wrong_feedback),
            ParsedChoice("false", 0.0 if right else 1.0, wrong_feedback if right else right_feedback),
        ]
        return question
    items = _split_items(block)
    if any(marker == "?" for marker, _body in items):
        raise _GiftError(_("Đáp án phải bắt đầu bằng = (đúng) hoặc ~ (sai)."))
    if any(_find(body_, "->") >= 0 for _m, body_ in items):
        raise _GiftError(_("Câu hỏi ghép đôi (->) chưa được hỗ trợ."))
    choices = []
    for marker, raw in items:
        raw = raw.strip()
        weight = 1.0 if marker == "=" else 0.0
        found = WEIGHT.match(raw)
        if found:
            weight = float(found.group(1)) / 100
            if not -1 <= weight <= 1:
                raise _GiftError(_("Trọng số %(w)s%% nằm ngoài khoảng -100..100.", w=found.group(1)))
            raw = raw[found.end():]
        hash_at = _find(raw, "#")
        answer, feedback = (raw[:hash_at], raw[hash_at + 1:]) if hash_at >= 0 else (raw, "")
        answer = _unescape(answer)
        if not answer:
            raise _GiftError(_("Có đáp án để trống."))
        choices.append(ParsedChoice(answer, weight, _unescape(feedback)))
    question.choices = choices
    markers = {marker for marker, _b in items}
    if markers == {"="}:
        question.kind = QuestionKind.SHORT
        return question
    positive = [c for c in choices if c.weight > 0]
    if not positive:
        raise _GiftError(_("Không có đáp án đúng nào."))
    if "=" in markers:
        if sum(1 for m, _b in items if m == "=") > 1:
            raise _GiftError(_("Câu nhiều lựa chọn chỉ được có một đáp án =; dùng ~%50% cho nhiều đáp án đúng."))
        question.kind = QuestionKind.SINGLE
    else:
        question.kind = QuestionKind.MULTIPLE if len(positive) > 1 else QuestionKind.SINGLE
    if len(choices) < 2:
        raise _GiftError(_("Câu trắc nghiệm cần ít nhất hai phương án."))
    return question


def _split_feedback(text: str) -> list[str]:
    parts, rest = [], text
    while rest.startswith("#"):
        rest = rest[1:]
        nxt = _find(rest, "#")
        if nxt < 0:
            parts.append(_unescape(rest))
            break
        parts.append(_unescape(rest[:nxt]))
        rest = rest[nxt:]
    return parts


# --- writing ---------------------------------------------------------------------------------------------------

def _escape(text: str) -> str:
    out = (text or "").replace("\\", "\\\\")
    for ch in ":=~#{}":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _percent(weight: float) -> str:
    return f"{weight * 100:.4f}".rstrip("0").rstrip(".")


def _feedback(text: str) -> str:
    return f"#{_escape(text)}" if text else ""


def _answer_block(kind: QuestionKind, choices) -> list[str]:
    if kind == QuestionKind.TRUE_FALSE:
        right = next((c for c in choices if c.weight > 0), choices[0])
        wrong = next((c for c in choices if c is not right), None)
        marker = "T" if right.text == "true" else "F"
        feedback = ""
        if (wrong and wrong.feedback) or right.feedback:
            feedback = f"#{_escape(wrong.feedback if wrong else '')}#{_escape(right.feedback)}"
        return [marker + feedback]
    rows = []
    full = [c for c in choices if c.weight == 1.0]
    for choice in choices:
        if kind == QuestionKind.SHORT:
            weight = "" if choice.weight == 1.0 else f"%{_percent(choice.weight)}%"
            rows.append(f"={weight}{_escape(choice.text)}{_feedback(choice.feedback)}")
        elif kind == QuestionKind.SINGLE and len(full) == 1 and choice is full[0]:
            rows.append(f"={_escape(choice.text)}{_feedback(choice.feedback)}")
        else:
            weight = f"%{_percent(choice.weight)}%" if choice.weight else ""
            rows.append(f"~{weight}{_escape(choice.text)}{_feedback(choice.feedback)}")
    return rows


def dump(questions) -> str:
    """GIFT text for questions (QuizQuestion or ParsedQuestion, with `choices`); `parse` reads it back the same."""
    blocks, category = [], ""
    for question in questions:
        lines = []
        if (question.category or "") != category:
            category = question.category or ""
            lines.append(f"$CATEGORY: {category}")
        title = f"::{_escape(question.title)}::" if question.title else ""
        general = f"####{_escape(question.feedback)}" if question.feedback else ""
        answers = _answer_block(QuestionKind(question.kind), list(question.choices))
        lines.append(f"{title}{_escape(question.text)} {{")
        lines.extend(answers)
        lines.append(f"{general}}}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
