"""The shell view of a RUN instruction: its command line and its heredoc scripts."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..syntax import Heredoc, Instruction
from .script import SHELLS, Script, read_script
from .tokens import ShellSyntaxUnsupported


@dataclass
class RunShell:
    inst: Instruction
    line: Script | None = None  # offsets (via ``base``) are in the logical text
    heredoc_scripts: list[tuple[Heredoc, Script]] = field(default_factory=list)
    opaque_heredocs: list[Heredoc] = field(default_factory=list)  # bodies for other programs
    unsupported: str | None = None  # why the shell could not be read
    _commands: list | None = field(default=None, repr=False)

    def scripts(self) -> list[Script]:
        out = [self.line] if self.line else []
        return out + [s for _, s in self.heredoc_scripts]

    def commands(self):
        """Every program the RUN executes that the reader could see (a bare
        ``<<EOF`` redirection is not one)."""
        if self._commands is None:
            self._commands = [c for s in self.scripts() for c in s.all_commands() if c.words]
        return self._commands


def read_run(inst: Instruction) -> RunShell | None:
    """None for anything but a shell-form RUN (exec form is not a shell)."""
    cmd = inst.effective
    if cmd.name != "RUN" or cmd.json:
        return None
    run = RunShell(inst)
    try:
        run.line = read_script(cmd.args, cmd.args_span.start, external_heredocs=bool(inst.heredocs))
    except ShellSyntaxUnsupported as exc:
        run.unsupported = str(exc)
        return run
    except RecursionError:
        run.unsupported = "shell nesting too deep to read"
        return run
    if inst.heredocs:
        progs = [c for c in run.line.commands if c.words]
        runs_script = not progs or (
            len(progs) == 1 and progs[0].name in SHELLS and all(
                (w.value or "").startswith("-") and "c" not in (w.value or "") for w in progs[0].words[1:]))
        for doc in inst.heredocs:
            if runs_script and doc.fd == 0 and doc is inst.heredocs[0]:
                try:
                    run.heredoc_scripts.append((doc, read_script(doc.content, doc.body.start, in_file=True)))
                except ShellSyntaxUnsupported as exc:
                    run.unsupported = f"heredoc {doc.name}: {exc}"
            else:
                run.opaque_heredocs.append(doc)
    return run
