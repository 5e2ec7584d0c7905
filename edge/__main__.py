"""``python -m edge [--data-dir DIR] [--config FILE] COMMAND``: the daemon and its admin commands.

Exit status: 0 done, 1 the command failed (message on stderr), 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge import __version__
from edge.config import Config, ConfigError, example_toml, load_config

EXIT_FAILED = 1
EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    """The command line: global options and one sub-command."""
    parser = argparse.ArgumentParser(prog="python -m edge", description="Store Edge POS daemon")
    parser.add_argument("--version", action="version", version=f"store-edge {__version__}")
    parser.add_argument("--data-dir", type=Path, help="folder of the SQLite store, secrets and logs")
    parser.add_argument("--config", type=Path, help="TOML config file (see config/edge.example.toml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the daemon")
    serve.add_argument("--host", help="listen address (server.host)")
    serve.add_argument("--port", type=int, help="listen port (server.port)")
    commands.add_parser("migrate", help="bring the store's schema to this version")
    commands.add_parser("seed-demo", help="load the demo store (first run only) and print the demo logins")
    create_user = commands.add_parser("create-user", help="add a user; password from stdin or a prompt")
    create_user.add_argument("name")
    create_user.add_argument("--role", required=True, choices=("admin", "manager", "cashier", "hr", "employee"))
    create_user.add_argument("--display-name")
    create_user.add_argument("--employee", help="employee code to link")
    commands.add_parser("rebuild-summaries", help="recompute the report summaries from the sales (daemon stopped)")
    check = commands.add_parser("check-config", help="validate the configuration and print it")
    check.add_argument("--example", action="store_true", help="print the documented example config instead")
    return parser


def resolve_config(args: argparse.Namespace) -> Config:
    """Config file, POS_* environment, then command-line options."""
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["storage.data_dir"] = str(args.data_dir.resolve())
    if getattr(args, "host", None):
        overrides["server.host"] = args.host
    if getattr(args, "port", None) is not None:
        overrides["server.port"] = args.port
    return load_config(args.config, overrides=overrides)


def read_new_password() -> str:
    """The new user's password: stdin when piped, else typed twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise ValueError("the passwords differ")
    return first


def run_command(args: argparse.Namespace, config: Config) -> int:
    """Run one command with a validated config."""
    from edge.server import DataDirLock, EdgeServer, StartupError, build_context, prepare_data_dir
    from edge.services.errors import ServiceError
    from edge.store.migrate import MigrationError, current_version, migrate

    try:
        if args.command == "serve":
            EdgeServer(config).serve(config.get("server.host"), config.get("server.port"))
            return 0
        if args.command == "rebuild-summaries":
            lock = DataDirLock(prepare_data_dir(config.data_dir))
            lock.acquire()
            try:
                ctx = build_context(config)
                from edge.server import require_schema_at_head
                from edge.services.report_summaries import rebuild
                from edge.store.db import write_transaction

                require_schema_at_head(ctx)
                with write_transaction(ctx.db):
                    written = rebuild(ctx.db, str(config.get("store.timezone")),
                                      progress=lambda month: print(f"  {month:%B %Y}", flush=True))
                print("report summaries rebuilt: " + ", ".join(f"{name} {count:,}" for name, count in written.items()))
            finally:
                lock.release()
            return 0
        if args.command == "migrate":
            lock = DataDirLock(prepare_data_dir(config.data_dir))
            lock.acquire()
            try:
                ctx = build_context(config)
                applied = migrate(ctx.db)
                from edge.services.setup import ensure_store

                ensure_store(ctx)
                names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "none needed"
                print(f"store at schema version {current_version(ctx.db)} (applied: {names})")
            finally:
                lock.release()
            return 0
        ctx = build_context(config)
        from edge.server import require_schema_at_head

        require_schema_at_head(ctx)
        if args.command == "seed-demo":
            from edge.services.demo_data import demo_users
            from edge.services.setup import seed_demo

            loaded = seed_demo(ctx)
            print("demo data loaded" if loaded else "store already has data; demo data not loaded")
            print("demo logins (user / password):")
            for demo in demo_users():
                print(f"  {demo.role:<9} {demo.username} / {demo.password}")
            return 0
        if args.command == "create-user":
            from edge.services.users import create_user

            password = read_new_password()
            user = create_user(ctx, args.name, password, args.role, args.display_name, args.employee)
            print(f"created user {user.username} with role {user.role}")
            return 0
    except (StartupError, MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ServiceError as exc:
        where = f"{exc.field}: " if exc.field else ""
        print(f"error: {where}{exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    raise AssertionError(f"unhandled command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m edge``."""
    args = build_parser().parse_args(argv)
    if args.command == "check-config" and args.example:
        print(example_toml(), end="")
        return 0
    try:
        config = resolve_config(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        print(f"config OK (database: {config.database_url.split('@')[-1]}, data dir: {config.data_dir})")
        return 0
    if args.command == "serve" and config.get("server.async_mode") == "gevent":
        from gevent import monkey

        monkey.patch_all()
    return run_command(args, config)


if __name__ == "__main__":
    sys.exit(main())
