"""Concept checks: multiple-choice quizzes for the web book, Jupyter and Colab, with a static fallback.

In a chapter::

    from goalmisgen.exercises.quiz import Choice, Question, quiz

    quiz(Question("Which goal did the agent learn?", [
        Choice("Go to the right end of the level", correct=True, feedback="Yes: ..."),
        Choice("Collect the coin", feedback="Then it would have ..."),
    ]))

The cell's output is one HTML block: the interactive quiz of ``jupyterquiz`` (answers checked in
the browser, with feedback) and, under it, the same questions as static text with the answers
folded away. The quiz's script hides the static text once it runs, so a viewer without JavaScript
(a notebook preview on GitHub, a PDF) still shows the questions. Without ``jupyterquiz`` installed
only the static text is shown. Plain-text front ends get the questions and answers as text.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field

try:
    from jupyterquiz.dynamic.loader import load_questions_script
    from jupyterquiz.dynamic.renderer import build_script, build_styles, render_div
except ImportError:  # the quiz falls back to static text
    load_questions_script = None

# jupyterquiz's default colours (its CSS reads these variables)
COLORS = {
    "--jq-multiple-choice-bg": "#392061",
    "--jq-mc-button-bg": "#fafafa",
    "--jq-mc-button-border": "#e0e0e0e0",
    "--jq-mc-button-inset-shadow": "#555555",
    "--jq-many-choice-bg": "#f75c03ff",
    "--jq-numeric-bg": "#392061ff",
    "--jq-numeric-input-bg": "#c0c0c0",
    "--jq-numeric-input-label": "#101010",
    "--jq-numeric-input-shadow": "#999999",
    "--jq-string-bg": "#4c1a57",
    "--jq-incorrect-color": "#c80202",
    "--jq-correct-color": "#009113",
    "--jq-text-color": "#fafafa",
    "--jq-link-color": "#9abafa",
}


@dataclass
class Choice:
    """One answer to a question: its text, whether it is correct, and what the learner is told on picking it."""

    text: str
    correct: bool = False
    feedback: str = ""


@dataclass
class Question:
    """A multiple-choice question; several correct choices make it a "pick all that apply"."""

    text: str
    choices: list[Choice] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a question needs a text")
        if len(self.choices) < 2:
            raise ValueError(f"question {self.text!r} has {len(self.choices)} choices; give at least 2")
        if not any(choice.correct for choice in self.choices):
            raise ValueError(f"question {self.text!r} has no correct choice; mark one with correct=True")

    def as_jupyterquiz(self) -> dict:
        """The question in jupyterquiz's JSON format."""
        several = sum(choice.correct for choice in self.choices) > 1
        return {
            "question": _inline(self.text),
            "type": "many_choice" if several else "multiple_choice",
            "answers": [{"answer": _inline(c.text), "correct": c.correct, "feedback": _inline(c.feedback)} for c in self.choices],
        }


def _inline(text: str) -> str:
    """Escape HTML and turn `code` into <code>code</code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


class Quiz:
    """A list of questions that displays itself (``_repr_mimebundle_``); see the module docstring."""

    def __init__(self, questions: list[Question]) -> None:
        if not questions:
            raise ValueError("a quiz needs at least one question")
        self.questions = list(questions)

    def text(self) -> str:
        """The questions, choices and answers as plain text."""
        lines = []
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. {question.text}")
            lines += [f"   ({chr(ord('a') + i)}) {choice.text}" for i, choice in enumerate(question.choices)]
            correct = ", ".join(f"({chr(ord('a') + i)})" for i, c in enumerate(question.choices) if c.correct)
            lines.append(f"   Answer: {correct}")
        return "\n".join(lines)

    def static_html(self) -> str:
        """The questions as static HTML, each answer (with its feedback) folded in a <details>."""
        parts = []
        for question in self.questions:
            items = "".join(f"<li>{_inline(choice.text)}</li>" for choice in question.choices)
            answers = "".join(
                f"<li>{'correct' if c.correct else 'not quite'}: {_inline(c.text)}"
                + (f" &mdash; {_inline(c.feedback)}" if c.feedback else "") + "</li>"
                for c in question.choices
            )
            parts.append(
                f"<p><strong>{_inline(question.text)}</strong></p><ol type='a'>{items}</ol>"
                f"<details><summary>Answers</summary><ul>{answers}</ul></details>"
            )
        return "".join(parts)

    def html(self) -> str:
        """The interactive quiz followed by the static fallback (hidden once the quiz's script runs)."""
        div_id = "gmquiz" + secrets.token_hex(6)
        static = f'<div id="{div_id}-static" class="gm-quiz-static">{self.static_html()}</div>'
        if load_questions_script is None:
            return static
        prefix, is_static, url = load_questions_script([q.as_jupyterquiz() for q in self.questions], div_id)
        container = render_div(div_id, False, True, False, 1_000_000, 600, 10, "left") + "</div>"
        script = build_script(prefix, is_static, url, div_id, True)
        hide = f'document.getElementById("{div_id}-static").style.display = "none";'
        return f"{container}{build_styles(div_id, COLORS)}{static}<script>{script}\n{hide}</script>"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {"text/html": self.html(), "text/plain": self.text()}


def quiz(*questions: Question) -> Quiz:
    """A quiz of the given questions; the last expression of a cell, it displays itself."""
    return Quiz(list(questions))
