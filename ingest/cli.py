"""``footnote-ingest`` (and ``python -m ingest``): fill the corpus, or show what it holds.

Results go to stdout, logs and progress bars to stderr. Exit codes: 0 success, 1 when an item
failed (everything else was still ingested) or on an expected error, 2 usage error, 78 bad
configuration (settings, sources file, a collection built with another embedding model).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.logs import configure_logging, level_for
from vectorstore.errors import ConfigError, EmbeddingModelMismatch, FootnoteError

if TYPE_CHECKING:
    from ingest.config import IngestSettings
    from ingest.report import IngestReport
    from ingest.status import CorpusStatus

log = logging.getLogger(__name__)

EX_CONFIG = 78


def _config_exit(ctx: click.Context, message: str) -> None:
    click.echo(f"Error: configuration: {message}", err=True)
    ctx.exit(EX_CONFIG)


def _load_settings(ctx: click.Context) -> IngestSettings:
    from pydantic import ValidationError

    from ingest.config import IngestSettings
    from vectorstore.config import describe_settings_error

    try:
        return IngestSettings()
    except ValidationError as exc:
        _config_exit(ctx, describe_settings_error(exc, IngestSettings))
        raise AssertionError from exc  # unreachable: ctx.exit raises


def format_summary(report: IngestReport, sources: int) -> str:
    """The human summary of a run (stdout)."""
    counts = (
        f"{report.added} added, {report.updated} updated, {report.skipped} unchanged, "
        f"{report.deleted} deleted, {report.failed} failed"
    )
    passages = f"{report.passages_added} passages written, {report.passages_deleted} removed"
    if report.dry_run:
        counts = (
            f"would add {report.added}, update {report.updated}, delete {report.deleted}; "
            f"{report.skipped} unchanged, {report.failed} failed"
        )
        passages = f"{report.passages_added} passages to write, {report.passages_deleted} to remove"
    lines = [
        ("Dry run, nothing written: " if report.dry_run else "Ingested: ")
        + f"{counts} ({passages}) from {sources} source{'s' if sources != 1 else ''} "
        f"in {report.seconds:.1f}s"
    ]
    if report.failures:
        lines.append("Failed items:")
        lines.extend(report.failure_lines())  # names escaped: a newline cannot fake a line
    return "\n".join(lines)


def format_changes(report: IngestReport) -> list[str]:
    """``would add/update/delete ITEM`` lines, grouped by action (``--dry-run -v``)."""
    from ingest.report import printable

    order = {"add": 0, "update": 1, "delete": 2}
    changes = sorted(report.changes, key=lambda change: order.get(change[0], 3))
    return [f"would {action:<6}  {printable(item)}" for action, item in changes]


def format_status(status: CorpusStatus) -> str:
    """The human view of ``--status``."""
    lines = [
        f"Store:           {status.store}",
        f"Embedding model: {status.embedding_model}",
        f"Articles:        {status.articles}",
        f"Passages:        {status.passages}",
        "Sources:" if status.sources else "Sources:         (none)",
    ]
    lines.extend(f"  {count:>6}  {origin}" for origin, count in status.sources)
    run = status.last_run
    if run:
        report = run.get("report") or {}
        lines.append(
            f"Last run:        {run.get('finished_at', '?')}: "
            f"{report.get('added', 0)} added, {report.get('updated', 0)} updated, "
            f"{report.get('skipped', 0)} unchanged, {report.get('deleted', 0)} deleted, "
            f"{report.get('failed', 0)} failed (generation {run.get('generation', '?')})"
        )
    else:
        lines.append("Last run:        never")
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="footnote-bot", prog_name="footnote-ingest")
@click.argument("sources", nargs=-1)
@click.option(
    "--sources-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file listing sources (default: FOOTNOTE_SOURCES_FILE or sources.toml).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--rebuild", is_flag=True, help="Empty the collection and ingest from scratch.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, warnings only on stderr.")
@click.option("--verbose", "-v", count=True, help="More logging on stderr (-vv for debug).")
@click.option("--status", "show_status", is_flag=True, help="Show what the corpus holds.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another running ingestion instead of refusing.",
)
@click.pass_context
def main(
    ctx: click.Context,
    sources: tuple[str, ...],
    sources_file: Path | None,
    dry_run: bool,
    rebuild: bool,
    as_json: bool,
    quiet: bool,
    verbose: int,
    show_status: bool,
    wait: float,
) -> None:
    """Ingest articles into Footnote's corpus: files, directories, globs, pages, feeds, sitemaps.

    With no SOURCES, the sources file is read. Re-runs only embed what changed and delete
    articles gone from their source.
    """
    configure_logging(level_for(logging.INFO, verbose, quiet))
    settings = _load_settings(ctx)
    try:
        if show_status:
            if sources or dry_run or rebuild:
                raise click.UsageError("--status takes no sources and no --dry-run/--rebuild")
            from ingest.status import corpus_status
            from vectorstore.client import store_exists
            from vectorstore.config import data_dir_hint

            status = corpus_status(settings)
            click.echo(json.dumps(status.as_json(), indent=2) if as_json else format_status(status))
            if not store_exists(settings):
                hint = data_dir_hint(settings)
                click.echo(f"No corpus here: nothing was ingested ({hint}).", err=True)
            return
        spec_list = list(sources)
        if not spec_list:
            spec_list = _sources_from_file(settings, sources_file)
        elif sources_file is not None:
            raise click.UsageError("give SOURCES or --sources-file, not both")
        from ingest.pipeline import run_ingest

        report = run_ingest(
            spec_list,
            settings,
            dry_run=dry_run,
            rebuild=rebuild,
            show_progress=not quiet and not as_json and sys.stderr.isatty(),
            wait_for_lock=wait,
        )
    except EmbeddingModelMismatch as exc:
        _config_exit(ctx, f"{exc}\nRun `footnote-ingest --rebuild` to re-embed the corpus.")
        return
    except ConfigError as exc:
        _config_exit(ctx, str(exc))
        return
    except FootnoteError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.as_json()))
    else:
        if dry_run and verbose:
            for line in format_changes(report):
                click.echo(line)
        click.echo(format_summary(report, len(spec_list)))
    if report.failed:
        ctx.exit(1)


def _sources_from_file(settings: IngestSettings, sources_file: Path | None) -> list[str]:
    from ingest.pipeline import configured_sources

    path = sources_file or Path(settings.sources_file)
    if not path.exists():
        raise click.UsageError(
            f"no SOURCES given and the sources file {path} does not exist. Pass paths or URLs "
            "(e.g. `footnote-ingest examples/corpus`), or list them in a sources file "
            '(sources = ["corpus", "https://example.org/feed.rss"]) given by --sources-file '
            "or FOOTNOTE_SOURCES_FILE."
        )
    return configured_sources(settings.model_copy(update={"sources_file": path}))
