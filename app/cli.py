"""The ``accord`` command: serve the graph, validate data."""

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

    from app.dataset import DatasetError
    from app.errors import DataLoadError
    from app.main import create_app
    from app.settings import get_settings

    settings = get_settings().model_copy(
        update={"paths": args.paths, "named_paths": dict(args.graph or [])}
    )
    try:
        application = create_app(settings)
    except (DatasetError, DataLoadError) as exc:
        print(f"accord serve: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(application, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from app.validation import run_validate

    return run_validate(args.paths, fmt=args.format, shapes=args.shapes, out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accord",
        description="Accord: a knowledge graph of international security commitments.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the graph over HTTP (SPARQL endpoint, query UI)")
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
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=_serve)

    validate = sub.add_parser(
        "validate",
        help="check data against the ontology and SHACL shapes",
        description="Validate RDF data against Accord's SHACL shapes. Exit status: 0 the data "
        "conforms, 1 it does not, 2 the input could not be read.",
    )
    validate.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="RDF files or folders (default: data/)"
    )
    validate.add_argument(
        "--format",
        choices=["text", "json", "turtle"],
        default="text",
        help="report format (default: text, for people)",
    )
    validate.add_argument(
        "--shapes", type=Path, action="append", help="shapes file or folder (default: shapes/)"
    )
    validate.set_defaults(func=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
