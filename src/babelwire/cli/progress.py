"""Rich progress bars for a pass, and the summary table printed after it."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from babelwire.jobs.run import RunReport


class RichProgress:
    """A bar per stage; silent when the output is not a terminal."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:>9}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def start(self, stage: str, total: int) -> None:
        self._tasks[stage] = self._progress.add_task(stage, total=total)

    def advance(self, stage: str, count: int = 1) -> None:
        if stage in self._tasks:
            self._progress.advance(self._tasks[stage], count)

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()


def print_report(console: Console, report: RunReport) -> None:
    table = Table(title="Sources this pass")
    for column in ("source", "new", "updated", "skipped", "failed", "error"):
        table.add_column(
            column,
            justify="right" if column in {"new", "updated", "skipped", "failed"} else "left",
            overflow="fold",
        )
    for row in report.sources:
        table.add_row(
            Text(row.name),
            str(row.new),
            str(row.updated),
            str(row.skipped),
            str(row.failed),
            Text(row.error or "", style="red"),
        )
    console.print(table)
    timing = ", ".join(
        f"{stage} {report.stage_articles.get(stage, 0)} in {seconds:.1f}s"
        for stage, seconds in report.stage_seconds.items()
    )
    console.print(f"Stages: {timing}")
    if report.duplicates:
        console.print(
            f"Copies of other articles found: {report.duplicates} (linked to their "
            "original's story; published only from preferred sources)"
        )
    if report.words_translated:
        line = f"Translated {report.words_translated} words"
        if report.engine_words:
            rate = report.engine_words / max(report.engine_seconds, 1e-9)
            line += f"; engines translated {report.engine_words} of them ({rate:,.0f} words/s)"
        console.print(line)
    if report.segments_translated:
        share = report.memory_hits / report.segments_translated
        console.print(
            f"Translation memory: {report.memory_hits} of {report.segments_translated} "
            f"segments reused ({share:.0%})"
        )
    for article_id, error in list(report.article_errors.items())[:10]:
        console.print(Text.assemble((f"article {article_id}:", "yellow"), " ", error))
