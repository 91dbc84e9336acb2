"""Building edits in a file's own style: commands added to a RUN body (``run_body``), two
RUNs joined into one (``join``), one RUN split in two (``split``), whole instructions
moved (``blocks``). Rules decide what to change; these modules decide the exact text,
and raise ``CannotEdit`` when they cannot write it safely."""

from .blocks import block_text, end_with_blank_collapsed, leading_comments_start
from .join import join_runs
from .run_body import CannotEdit, append_command, continuation_style, file_offset, insert_after, line_ending_at
from .split import split_run

__all__ = ["CannotEdit", "append_command", "block_text", "continuation_style", "end_with_blank_collapsed",
           "file_offset", "insert_after", "join_runs", "leading_comments_start", "line_ending_at", "split_run"]
