"""The ``accord`` command: serve the graph, validate data, load an external store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _graph_arg(value: str) -> tuple[str, Path]:
    iri, sep, path = value.partition("=")
    if not sep or not iri or not path:
        raise argparse.ArgumentTypeError(f"expected IRI=PATH, got {value!r}")
    return iri, Path(path)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from accord.dataset import DatasetError
    from accord.errors import DataLoadError
    from accord.http.connections import uvicorn_options
    from accord.http.serving import ServingError, freeze_startup_objects, serve
    from accord.main import create_app
    from accord.settings import get_settings
    from accord.writes.auth import InsecureSettings

    settings = get_settings().model_copy(
        update={"paths": args.paths, "named_paths": dict(args.graph or [])}
        | ({"store": args.store} if args.store is not None else {})
    )
    try:
        if args.workers > 1:
            serve(settings, args.workers, args.host, args.port, args.log_level)
            return 0
        application = create_app(settings)
    except (DatasetError, DataLoadError, InsecureSettings, ServingError) as exc:
        print(f"accord serve: {exc}", file=sys.stderr)
        return 2
    freeze_startup_objects()
    uvicorn.run(
        application,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        **uvicorn_options(settings),
    )
    return 0


def _load(args: argparse.Namespace) -> int:
    from accord.stores.load import load_command

    return load_command(args.store, args.paths, dict(args.graph or []), sys.stdout, sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from accord.shacl.validation import run_validate

    return run_validate(
        args.paths,
        fmt=args.format,
        shapes=args.shapes,
        out=sys.stdout,
        changed=args.changed,
        ontology=args.ontology,
        standalone=args.standalone,
        engine=args.engine,
    )


def _init(args: argparse.Namespace) -> int:
    from accord.scaffold import run_init

    return run_init(args.folder, sys.stdout, sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from accord.publish.export import run_export

    if args.format in ("xlsx", "csv-folder"):
        from accord.sheets.commands import run_export_tables

        if args.out is None:
            sys.stderr.write(
                f"accord export: --format {args.format} needs --out (a file or folder)\n"
            )
            return 2
        return run_export_tables(args.paths, args.out)
    return run_export(
        args.paths, dict(args.graph or []), args.format, args.out, sys.stdout.buffer, sys.stderr
    )


def _template(args: argparse.Namespace) -> int:
    from accord.sheets.commands import run_template

    return run_template(args.out)


def _import(args: argparse.Namespace) -> int:
    from accord.sheets.commands import run_import

    return run_import(args.source, args.out, args.force)


def _diff(args: argparse.Namespace) -> int:
    from accord.publish.diff import run_diff

    return run_diff(args.old, args.new, args.format, sys.stdout, sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accord",
        description="Accord: a knowledge graph of international security commitments.",
    )
    parser.add_argument("--version", action="version", version=f"accord {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="serve the graph over HTTP (SPARQL endpoint, query UI)",
        description="Serve the graph over HTTP: a SPARQL 1.1 endpoint at /sparql (and "
        "the Graph Store Protocol at /graph-store, writes off unless ACCORD_ALLOW_UPDATE), "
        "the query UI at /, named queries at /queries, a page and RDF documents for every "
        "IRI under /id/, dumps and VoID. Limits and other settings are environment "
        "variables ACCORD_* (docs/running-in-public.md).",
    )
    serve.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="RDF files or folders to serve, each file as a named graph "
        "(default: the bundled ontology, shapes and data)",
    )
    serve.add_argument(
        "--graph",
        action="append",
        type=_graph_arg,
        metavar="IRI=PATH",
        help="serve the file at PATH as the named graph IRI (repeatable)",
    )
    serve.add_argument(
        "--store",
        default=None,
        help="empty: in-memory Oxigraph (default); a folder: on-disk Oxigraph; "
        "sparql+http(s)://...: an external SPARQL 1.1 store",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every "
        "interface, e.g. in a container behind a proxy)",
    )
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn's log level (default info); requests are logged once, as JSON lines, "
        "by Accord's access log (ACCORD_ACCESS_LOG=false turns it off)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (default 1); more than one needs --store (a folder or an "
        "external store), each process opens it and has its own query workers",
    )
    serve.set_defaults(func=_serve)

    validate = sub.add_parser(
        "validate",
        help="check data against the ontology and SHACL shapes",
        description="Validate RDF data against Accord's ontology and SHACL shapes, with "
        "Accord's reference entities (states, organisations) as context; only the nodes the "
        "given files describe are reported. Any accord: or concept: term that the ontology "
        "does not declare is a violation. Nothing is fetched from the network. Exit status: "
        "0 the data conforms, 1 it does not, 2 the input could not be read.",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="RDF files or folders (default: data/ of the current folder; hidden folders, "
        "node_modules and virtual environments are not searched)",
    )
    validate.add_argument(
        "--format",
        choices=["text", "json", "turtle"],
        default="text",
        help="report format (default: text, for people)",
    )
    validate.add_argument(
        "--shapes",
        type=Path,
        action="append",
        help="a data repository's own shapes (file or folder), checked besides Accord's "
        "(repeatable)",
    )
    validate.add_argument(
        "--ontology",
        type=Path,
        action="append",
        help="a data repository's own ontology (file or folder), mixed in besides Accord's; "
        "the terms it declares pass the namespace check (repeatable)",
    )
    validate.add_argument(
        "--standalone",
        action="store_true",
        help="plain SHACL: validate against the --shapes and --ontology given, and nothing "
        "of Accord's (no ontology, shapes, reference entities or namespace check); for "
        "data in another vocabulary",
    )
    validate.add_argument(
        "--changed",
        type=Path,
        nargs="*",
        metavar="FILE",
        help="validate only what a change to these files can break (their nodes and the "
        "nodes pointing at them), against all the data: for a pull request, e.g. "
        "--changed $(git diff --name-only origin/main...HEAD). A deleted file, or a "
        "changed RDF file that is not data (shapes, ontology), validates everything; "
        "files that are not RDF are ignored",
    )
    validate.add_argument(
        "--engine",
        choices=["compiled", "pyshacl"],
        default="compiled",
        help="how SHACL is run (the results are the same): compiled (default) turns the "
        "shapes into SPARQL run in Oxigraph and has pySHACL write the results of the nodes "
        "found; shapes it does not cover are left to pySHACL, with a note on stderr. "
        "pyshacl: pySHACL over the whole graph, the reference (minutes and gigabytes at a "
        "million triples)",
    )
    validate.set_defaults(func=_validate)

    init = sub.add_parser(
        "init",
        help="make a data repository: data/ with an example, a README, a CI workflow",
        description="Scaffold a data repository that validates against Accord: data/ with "
        "one example file that conforms, a README.md with the conventions, and a GitHub "
        "Actions workflow that runs accord validate (only what a pull request changes, on "
        "pull requests). Refuses to overwrite a file. Exit status 0 done, 2 not.",
    )
    init.add_argument(
        "folder", nargs="?", type=Path, default=Path("."), help="where (default: here)"
    )
    init.set_defaults(func=_init)

    template = sub.add_parser(
        "template",
        help="write a coding workbook (.xlsx) or folder of CSV files to code declarations in",
        description="A workbook generated from the ontology and its SKOS schemes: one sheet "
        "per kind of record (sources, declarations, signatures, commitments, conditions, "
        "events, statements, people, offices...), columns named for researchers, drop-down "
        "lists of the allowed concepts, a codebook sheet with every column's definition, and "
        "one example row per sheet. A path not ending in .xlsx is written as a folder of CSV "
        "files with a Frictionless Table Schema (datapackage.json). Then: accord import.",
    )
    template.add_argument(
        "--out", type=Path, default=Path("accord-coding.xlsx"), help="default: accord-coding.xlsx"
    )
    template.set_defaults(func=_template)

    imports = sub.add_parser(
        "import",
        help="turn a coding workbook or CSV folder into validated RDF",
        description="Rows to RDF in Accord's vocabulary (an id column gives each record its "
        "IRI; references between sheets by id), every cell checked, then the same validation "
        "as accord validate. Every problem is reported as sheet:row:column with what is wrong "
        "and a suggestion. Nothing is written unless it validates (--force writes it, with "
        "the report beside it). Exit status 0 written, 1 problems, 2 unreadable input.",
    )
    imports.add_argument("source", type=Path, help="a workbook (.xlsx) or a folder of CSV files")
    imports.add_argument(
        "--out", type=Path, help="the Turtle file to write (default: data/SOURCE.ttl)"
    )
    imports.add_argument("--force", action="store_true", help="write even with problems")
    imports.set_defaults(func=_import)

    load = sub.add_parser(
        "load",
        help="publish the graph to an external SPARQL 1.1 store (one named graph per file)",
        description="Publish RDF files to an external SPARQL 1.1 store as named graphs "
        "(Graph Store Protocol PUT into staging graphs, then one SPARQL Update moves them "
        "in place). Credentials and endpoints: ACCORD_STORE_USER, ACCORD_STORE_PASSWORD, "
        "ACCORD_STORE_UPDATE_URL, ACCORD_STORE_GSP_URL. Exit status: 0 published and "
        "checked, 1 not (the report says what the store holds), 2 bad input.",
    )
    load.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="RDF files or folders (default: the bundled ontology, shapes and data)",
    )
    load.add_argument(
        "--store",
        default=None,
        help="the store's query endpoint, sparql+http(s)://host:port/path (default: ACCORD_STORE)",
    )
    load.add_argument(
        "--graph",
        action="append",
        type=_graph_arg,
        metavar="IRI=PATH",
        help="publish the file at PATH as the named graph IRI (repeatable)",
    )
    load.set_defaults(func=_load)

    export = sub.add_parser(
        "export",
        help="write the whole dataset in one RDF format (reproducible, byte for byte)",
        description="Export the dataset. nq and trig keep the named graphs; ttl, nt, rdf "
        "and jsonld hold their union; commitments-csv and atop-members are tables. The "
        "same data gives the same bytes.",
    )
    export.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="RDF files or folders (default: bundled)",
    )
    export.add_argument(
        "--format",
        choices=[
            "ttl",
            "nt",
            "nq",
            "trig",
            "jsonld",
            "rdf",
            "commitments-csv",
            "atop-members",
            "xlsx",
            "csv-folder",
        ],
        default="ttl",
        help="an RDF format, or a table for R, Stata or pandas: commitments-csv (one row "
        "per commitment and party) or atop-members (one row per declaration and state, "
        "ATOP-style dummies); tables are keyed by ISO, COW and GW codes and carry the "
        "dataset version; xlsx or csv-folder: the coding workbook layout of accord template "
        "(needs --out)",
    )
    export.add_argument("--out", type=Path, help="output file (.gz: gzipped); default: stdout")
    export.add_argument(
        "--graph", action="append", type=_graph_arg, metavar="IRI=PATH", help="named graph file"
    )
    export.set_defaults(func=_export)

    diff = sub.add_parser(
        "diff",
        help="list the statements added and removed between two versions, by resource",
        description="Compare two versions of a dataset (RDF files, .gz dumps or folders). "
        "Exit status 0 (with or without differences); 2 if an input cannot be read.",
    )
    diff.add_argument("old", type=Path, metavar="OLD")
    diff.add_argument("new", type=Path, metavar="NEW")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.set_defaults(func=_diff)
    return parser


def _version() -> str:
    from accord import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
