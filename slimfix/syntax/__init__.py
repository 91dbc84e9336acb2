"""The lossless Dockerfile model and its parser."""

from .nodes import (
    Command,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    LineKind,
    LogicalText,
    PhysicalLine,
    Span,
    Stage,
    Trivia,
    TriviaKind,
)
from .parser import parse
from .text import ParseError

__all__ = [
    "Command", "Dockerfile", "Flag", "Heredoc", "Instruction", "LineKind", "LogicalText",
    "ParseError", "PhysicalLine", "Span", "Stage", "Trivia", "TriviaKind", "parse",
]
