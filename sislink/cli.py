"""The ``sislink`` command line: thin commands over the pipeline and the store.

Exit codes: 0 success, 1 invalid or rejected input or a failed operation,
2 a usage error (unknown format, organization or option).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from typer.core import TyperGroup

from sislink import views
from sislink.cli_compliance import register as register_compliance_commands
from sislink.cli_identity import register as register_identity_commands
from sislink.errors import SislinkError, UsageError
from sislink.export import export
from sislink.formats import READERS, WRITERS
from sislink.formats.mapped import check_mapping_file, load_mapping
from sislink.formats.mapped import report as mapping_report
from sislink.held import confirm_held, discard_held
from sislink.model.codes import ORGANIZATION_KIND
from sislink.model.summary import SubmissionResult
from sislink.pipeline import SubmissionRequest, submit
from sislink.report.findings import render_findings
from sislink.store.audit import record_event
from sislink.store.database import (
    MAX_INTEGER,
    check_schema,
    create_store_engine,
    migrate,
    redacted,
    resolve_url,
    translate_errors,
    url_origin,
)
from sislink.store.organizations import (
    add_organization,
    declare_formats,
    declared_formats,
    district_organization,
    get_organization,
)
from sislink.store.submissions import list_submissions
from sislink.tables import (
    key_column,
    key_list_column,
    number_column,
    print_table,
    text_column,
)
from sislink.validate import RULES
from sislink.validate.guard import DEFAULT_SHARE, GuardLimits

log = logging.getLogger("sislink")
console = Console()
errors = Console(stderr=True)


class GuardedGroup(TyperGroup):
    """A command group that turns sislink errors into a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except SislinkError as exc:
            _fail(str(exc), exc.exit_code)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            # The reader of the output (`| head`) stopped reading: not a failure.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as exc:
            if log.isEnabledFor(logging.INFO):
                log.exception("unexpected failure")
            _fail(
                f"unexpected internal error ({type(exc).__name__}); "
                "run again with --verbose to see the details and report them",
                1,
            )


def _fail(message: str, code: int) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=GuardedGroup,
    help="Link a district's student records with its charter schools' systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
org_app = typer.Typer(cls=GuardedGroup, help="Add and list organizations.")
roster_app = typer.Typer(cls=GuardedGroup, help="Load the district's own roster.")
person_app = typer.Typer(cls=GuardedGroup, help="Look up persons in the index.")
app.add_typer(org_app, name="org")
app.add_typer(roster_app, name="roster")
app.add_typer(person_app, name="person")
mapping_app = typer.Typer(cls=GuardedGroup, help="Check vendor mapping files.")
app.add_typer(mapping_app, name="mapping")
submission_app = typer.Typer(
    cls=GuardedGroup, help="List submissions; confirm or discard held ones."
)
app.add_typer(submission_app, name="submission")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a table.")
]
Paths = Annotated[
    list[Path],
    typer.Argument(
        help="Files or folders to read; folders are searched for the format's files."
    ),
]


class State:
    url: str = ""
    origin: str = ""
    _engine: Engine | None = None

    @classmethod
    def dispose(cls) -> None:
        if cls._engine is not None:
            cls._engine.dispose()
            cls._engine = None

    @classmethod
    def engine(cls, *, checked: bool = True) -> Engine:
        if cls._engine is None:
            cls._engine = create_store_engine(cls.url, cls.origin)
        if checked:
            check_schema(cls._engine)
        return cls._engine


@app.callback()
def _options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL (default: $SISLINK_DATABASE_URL, else "
            "sqlite:///sislink.db). PostgreSQL: postgresql+psycopg://USER@HOST/DB.",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress and errors to stderr.")
    ] = False,
) -> None:
    State.url = resolve_url(db)
    State.origin = url_origin(db)
    State.dispose()
    ctx.call_on_close(State.dispose)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


@app.command()
def init(json_output: JsonOption = False) -> None:
    """Create the database schema, or migrate it to the newest version."""
    engine = State.engine(checked=False)
    revision = migrate(engine)
    if json_output:
        _print_json({"database": redacted(State.url), "revision": revision})
    else:
        console.print(
            f"database {redacted(State.url)} is at schema revision {revision}"
        )


@app.command("formats")
def formats_command(json_output: JsonOption = False) -> None:
    """List the file formats sislink reads and the record kinds each carries."""
    rows = [
        {
            "name": name,
            "description": r.description,
            "files": list(r.files),
            "kinds": [k.value for k in r.kinds],
        }
        for name, r in sorted(READERS.items())
    ]
    if json_output:
        _print_json(rows)
        return
    # Files and kinds share the description's column, because a 47-character
    # Ed-Fi file name leaves no room for them in columns of their own at 80.
    table = [
        (
            name,
            f"{reader.description}\n"
            f"record kinds: {', '.join(kind.value for kind in reader.kinds)}\n"
            f"files: {'; '.join(reader.files)}",
        )
        for name, reader in sorted(READERS.items())
    ]
    print_table(console, [key_column("format"), key_list_column("description")], table)


@org_app.command("add")
def org_add(
    code: Annotated[str, typer.Argument(help="State code (CDS) or other unique id.")],
    name: Annotated[str, typer.Option("--name", help="Name of the organization.")],
    kind: Annotated[
        str, typer.Option("--kind", help="One of: district, charter, school, selpa.")
    ],
    parent: Annotated[
        str | None, typer.Option("--parent", help="Code of the parent organization.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Add an organization: the district, a charter, a school or a SELPA."""
    if not code.strip() or not name.strip():
        raise UsageError("the organization code and --name must not be empty")
    if kind not in ORGANIZATION_KIND:
        raise UsageError(
            f"unknown --kind {kind!r}: use one of {', '.join(ORGANIZATION_KIND.codes)}"
        )
    engine = State.engine()
    with translate_errors(engine), engine.begin() as connection:
        organization = add_organization(connection, code, name, kind, parent)
        record_event(
            connection,
            "organization-added",
            actor="cli",
            organization_id=organization.id,
        )
    if json_output:
        _print_json(views.organization_json(organization))
    else:
        console.print(f"added {kind} {code} ({name})", highlight=False)


@org_app.command("list")
def org_list(json_output: JsonOption = False) -> None:
    """List every organization."""
    engine = State.engine()
    with translate_errors(engine), engine.connect() as connection:
        rows = views.organizations_json(connection)
    if json_output:
        _print_json(rows)
        return
    print_table(
        console,
        [
            key_column("code"),
            text_column("name"),
            key_column("kind"),
            key_column("parent"),
        ],
        [(row["code"], row["name"], row["kind"], row["parent"] or "") for row in rows],
    )


@org_app.command("formats")
def org_formats(
    code: Annotated[str, typer.Argument(help="Code of the organization.")],
    formats: Annotated[
        list[str] | None,
        typer.Argument(
            help="Formats the organization sends (see `sislink formats`). Without "
            "any, the declared formats are printed."
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the declaration: allow any format.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Declare the formats an organization sends; files in others are rejected."""
    if formats and clear:
        raise UsageError("give formats or --clear, not both")
    unknown = [name for name in formats or [] if name not in READERS]
    if unknown:
        raise UsageError(
            f"unknown format {', '.join(unknown)}: use one of {', '.join(READERS)}"
        )
    engine = State.engine()
    with translate_errors(engine), engine.begin() as connection:
        organization = get_organization(connection, code)
        if formats or clear:
            declare_formats(connection, organization, formats or [])
            record_event(
                connection,
                "formats-declared",
                actor="cli",
                organization_id=organization.id,
                formats=sorted(formats or []),
            )
        declared = declared_formats(connection, organization)
    if json_output:
        _print_json({"code": code, "formats": declared})
    elif declared:
        console.print(f"{code} sends {', '.join(declared)}", highlight=False)
    else:
        console.print(f"{code} declared no formats: any is accepted", highlight=False)


def _run_submission(request: SubmissionRequest, json_output: bool) -> None:
    engine = State.engine()
    result = submit(engine, request)
    if json_output:
        _print_json(result.to_json())
    else:
        views.print_result(console, result)
    if _input_failed(result):
        raise typer.Exit(1)


def _input_failed(result: SubmissionResult) -> bool:
    return result.status == "rejected" or result.severity_counts()["error"] > 0


FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="Format of the files (see `sislink formats`); may be left out "
        "with --mapping.",
    ),
]
MappingOption = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        help="A vendor mapping file (TOML) to read the files with; see "
        "docs/vendor-mappings.md and `sislink mapping check`.",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of the files, such as cp1252; default: the format's "
        "own, UTF-8 for most.",
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Validate, link and compute the changes, print them, then write nothing.",
    ),
]
MaxEndShareOption = Annotated[
    float,
    typer.Option(
        "--max-end-share",
        min=0.1,
        max=100.0,
        help="Percent of an organization's active records of a kind that one "
        "snapshot may end or reject before it is held for confirmation.",
    ),
]


def _format_name(file_format: str | None, mapping: Path | None) -> str:
    """Return the format name to record: --format, else the mapping's own name."""
    if mapping is not None:
        return file_format or load_mapping(mapping).name
    if file_format is None:
        raise UsageError("--format is required unless --mapping names a mapping file")
    return file_format


@app.command("submit")
def submit_command(
    paths: Paths,
    org: Annotated[
        str, typer.Option("--org", help="Code of the sending organization.")
    ],
    file_format: FormatOption = None,
    delta: Annotated[
        bool,
        typer.Option(
            "--delta",
            help="The files carry changes only: records left out are not ended.",
        ),
    ] = False,
    encoding: EncodingOption = None,
    mapping: MappingOption = None,
    max_end_share: MaxEndShareOption = DEFAULT_SHARE * 100,
    dry_run: DryRunOption = False,
    json_output: JsonOption = False,
) -> None:
    """Submit one organization's files: validate, link, merge and commit them."""
    request = SubmissionRequest(
        org,
        _format_name(file_format, mapping),
        paths,
        snapshot=not delta,
        dry_run=dry_run,
        encoding=encoding,
        mapping=mapping,
        limits=GuardLimits(max_end_share / 100),
    )
    _run_submission(request, json_output)


@roster_app.command("load")
def roster_load(
    paths: Paths,
    file_format: FormatOption = None,
    org: Annotated[
        str | None,
        typer.Option("--org", help="District code; needed only if there are several."),
    ] = None,
    encoding: EncodingOption = None,
    mapping: MappingOption = None,
    max_end_share: MaxEndShareOption = DEFAULT_SHARE * 100,
    dry_run: DryRunOption = False,
    json_output: JsonOption = False,
) -> None:
    """Load the district's roster: its students, enrollments and programs."""
    if org is None:
        engine = State.engine()
        with translate_errors(engine), engine.connect() as connection:
            org = district_organization(connection).code
    request = SubmissionRequest(
        org,
        _format_name(file_format, mapping),
        paths,
        dry_run=dry_run,
        encoding=encoding,
        mapping=mapping,
        limits=GuardLimits(max_end_share / 100),
    )
    _run_submission(request, json_output)


@submission_app.command("list")
def submission_list(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organization's submissions.")
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            min=1,
            max=MAX_INTEGER,
            help="Newest submissions to list (count).",
        ),
    ] = 50,
    json_output: JsonOption = False,
) -> None:
    """List submissions, newest first: status, format and findings."""
    engine = State.engine()
    with translate_errors(engine), engine.connect() as connection:
        organization_id = get_organization(connection, org).id if org else None
        rows = list_submissions(connection, organization_id)[:limit]
    listed = [
        {
            "id": row.id,
            "organization": row.organization_code,
            "format": row.format,
            "status": row.status,
            "started": row.started_at.isoformat(),
            "issues": (row.counts or {}).get("issues", {}),
        }
        for row in rows
    ]
    if json_output:
        _print_json(listed)
        return
    columns = [key_column(name) for name in ("id", "organization", "format", "status")]
    columns += [
        key_column("started"),
        number_column("errors"),
        number_column("warnings"),
    ]
    table = [
        (
            str(item["id"]),
            item["organization"],
            item["format"],
            item["status"],
            item["started"][:10],
            f"{item['issues'].get('error', 0):,}",
            f"{item['issues'].get('warning', 0):,}",
        )
        for item in listed
    ]
    print_table(console, columns, table)


@submission_app.command("confirm")
def submission_confirm(
    submission_id: Annotated[
        int, typer.Argument(min=0, max=MAX_INTEGER, help="Id of the held submission.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Apply a held submission as it was sent, against the data as it is now."""
    result = confirm_held(State.engine(), submission_id, actor="cli")
    if json_output:
        _print_json({"confirmed": submission_id, **result.to_json()})
    else:
        console.print(f"submission {submission_id} confirmed", highlight=False)
        views.print_result(console, result)
    if _input_failed(result):
        raise typer.Exit(1)


@submission_app.command("discard")
def submission_discard(
    submission_id: Annotated[
        int, typer.Argument(min=0, max=MAX_INTEGER, help="Id of the held submission.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Discard a held submission; its files and findings stay in the history."""
    discard_held(State.engine(), submission_id, actor="cli")
    if json_output:
        _print_json({"discarded": submission_id})
    else:
        console.print(f"submission {submission_id} discarded", highlight=False)


@app.command("rules")
def rules_command(json_output: JsonOption = False) -> None:
    """List every validation rule: code, severity, kinds, fields and source."""
    rows = [
        {
            "code": rule.code,
            "severity": rule.severity.value,
            "kinds": [kind.value for kind in rule.kinds],
            "fields": list(rule.fields),
            "message": rule.message,
            "fix": rule.fix,
            "source": rule.source,
        }
        for rule in sorted(RULES.values(), key=lambda r: r.code)
    ]
    if json_output:
        _print_json(rows)
        return
    table = []
    for rule in sorted(RULES.values(), key=lambda r: r.code):
        checks = ", ".join(kind.value for kind in rule.kinds) or "files, any kind"
        if rule.fields:
            checks += ": " + ", ".join(rule.fields)
        table.append(
            (rule.code, rule.severity.value, f"{checks}\nsource: {rule.source}")
        )
    print_table(
        console,
        [
            key_column("code"),
            key_column("severity"),
            key_list_column("checks and source"),
        ],
        table,
    )


@app.command("issues")
def issues_command(
    submission_id: Annotated[
        int, typer.Argument(min=0, max=MAX_INTEGER, help="Id of the submission.")
    ],
    report_format: Annotated[
        str, typer.Option("--format", "-f", help="csv, json or html.")
    ] = "csv",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write; default: standard output."),
    ] = None,
) -> None:
    """Report one submission's findings: file, line, field, value, rule and fix."""
    engine = State.engine()
    with translate_errors(engine), engine.connect() as connection:
        text = render_findings(connection, submission_id, report_format)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from exc
    console.print(f"wrote {out}", highlight=False)


@app.command("export")
def export_command(
    file_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Format to write: "
            + ", ".join(sorted(WRITERS))
            + " (csv is short for sislink-csv).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="Export what this organization may see: its own records and "
            "those of the organizations below it. Default: every organization.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Write the current records in a format, one folder per organization."""
    engine = State.engine()
    result = export(engine, file_format, out, org)
    if json_output:
        _print_json(result.to_json())
        return
    table = [
        (code, kind, f"{count:,}")
        for code, kinds in result.records.items()
        for kind, count in kinds.items()
    ]
    print_table(
        console,
        [key_column("organization"), key_column("kind"), number_column("records")],
        table,
    )
    console.print(f"wrote {len(result.files)} files to {out}", highlight=False)
    if result.left_out:
        _print_left_out(result.format, result.left_out)
    if result.fields_left_out:
        _print_fields_left_out(result.format, result.fields_left_out)


def _print_left_out(file_format: str, left_out: dict[str, dict[str, int]]) -> None:
    total = sum(count for kinds in left_out.values() for count in kinds.values())
    records = "record was" if total == 1 else "records were"
    console.print(
        f"[bold yellow]warning:[/] {file_format} does not carry every record kind, "
        f"so {total:,} current {records} left out of the export. Export with "
        "--format csv (the sislink CSV layout) to write every kind.",
        highlight=False,
        soft_wrap=True,
    )
    table = [
        (code, kind, f"{count:,}")
        for code, kinds in left_out.items()
        for kind, count in sorted(kinds.items())
    ]
    columns = [key_column("organization"), key_column("kind")]
    columns += [number_column("records left out")]
    print_table(console, columns, table)


def _print_fields_left_out(
    file_format: str, left_out: dict[str, dict[str, dict[str, int]]]
) -> None:
    table = [
        (code, kind, name, f"{count:,}")
        for code, kinds in left_out.items()
        for kind, fields in sorted(kinds.items())
        for name, count in sorted(fields.items())
    ]
    total = sum(
        count
        for kinds in left_out.values()
        for fields in kinds.values()
        for count in fields.values()
    )
    values = "value was" if total == 1 else "values were"
    console.print(
        f"[bold yellow]warning:[/] {file_format} has no place for some fields of "
        f"the records it writes, so {total:,} stored {values} left out of the "
        "export. Export with --format csv (the sislink CSV layout) to write "
        "every field.",
        highlight=False,
        soft_wrap=True,
    )
    columns = [key_column("organization"), key_column("kind"), key_column("field")]
    columns += [number_column("values left out")]
    print_table(console, columns, table)


@app.command("changes")
def changes_command(
    since: Annotated[
        int,
        typer.Option(
            "--since",
            min=0,
            max=MAX_INTEGER,
            help="Last change version already applied; 0 for all.",
        ),
    ] = 0,
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organization's changes.")
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            min=1,
            max=MAX_INTEGER,
            help="Maximum number of changes to return.",
        ),
    ] = 1000,
    json_output: JsonOption = False,
) -> None:
    """Print the change feed after version SINCE: inserts, updates and ends."""
    engine = State.engine()
    with translate_errors(engine), engine.connect() as connection:
        feed = views.changes_json(connection, since, org, limit)
    if json_output:
        _print_json(feed)
    else:
        views.print_changes(console, feed)


@person_app.command("show")
def person_show(
    person_id: Annotated[
        int, typer.Argument(min=0, max=MAX_INTEGER, help="Person id in the index.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Show one person: identifiers and every version of every record."""
    engine = State.engine()
    with translate_errors(engine), engine.begin() as connection:
        person = views.person_json(connection, person_id)
        record_event(connection, "person-viewed", actor="cli", person_id=person_id)
    if json_output:
        _print_json(person)
    else:
        views.print_person(console, person)


@mapping_app.command("check")
def mapping_check(
    file: Annotated[Path, typer.Argument(help="The mapping file (TOML) to check.")],
    json_output: JsonOption = False,
) -> None:
    """Check a vendor mapping file and explain each problem and its fix."""
    mapping, problems = check_mapping_file(file)
    if json_output:
        _print_json(mapping_report.check_json(file, mapping, problems))
    else:
        mapping_report.print_check(console, file, mapping, problems)
    if problems:
        raise typer.Exit(1)


@app.command()
def demo(
    students: Annotated[
        int,
        typer.Option(
            "--students", min=100, help="Students in the whole district (count)."
        ),
    ] = 15_000,
    charters: Annotated[
        int, typer.Option("--charters", min=1, help="Charter schools (count).")
    ] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generator.")] = 1,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the database, files and reports.")
    ] = Path("demo-out"),
    json_output: JsonOption = False,
) -> None:
    """Run the whole job on generated data and write a report folder."""
    from sislink.demo.run import run_demo

    summary = run_demo(
        out,
        students=students,
        charters=charters,
        seed=seed,
        console=console,
        quiet=json_output,
    )
    if json_output:
        _print_json(summary)


register_identity_commands(app, person_app)
register_compliance_commands(app)


def main() -> None:
    """Run the command line."""
    app()
