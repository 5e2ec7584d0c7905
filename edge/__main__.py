"""``python -m edge [--data-dir DIR] [--config FILE] COMMAND``: the daemon and its admin commands.

Exit status: 0 done, 1 the command failed (message on stderr), 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from edge import __version__
from edge.config import Config, ConfigError, example_toml, load_config
from edge.security.secrets import CREDENTIAL_KEYS

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
    migrate = commands.add_parser("migrate", help="bring the store's schema to this version (backs up first)")
    migrate.add_argument("--no-backup", action="store_true", help="skip the automatic pre-upgrade backup")
    commands.add_parser("backup", help="back the store up now ([backup] settings: folder, rotation, copy)")
    restore = commands.add_parser("restore", help="replace the store with a backup (daemon stopped)")
    restore.add_argument("file", type=Path, help="a backup file (.db for SQLite, .sql.gz for MySQL)")
    resume = commands.add_parser("resume-from-cloud",
                                 help="after a restore: skip the sequence and invoice numbers the cloud already has")
    resume.add_argument("file", type=Path, nargs="?",
                        help="JSON from `python -m cloud_bridge.ingest resume-point --store ID`")
    resume.add_argument("--none", action="store_true",
                        help="this store never replicated: nothing newer exists anywhere, just allow serving")
    commands.add_parser("seed-demo", help="load the demo store (first run only) and print the demo logins")
    create_user = commands.add_parser("create-user", help="add a user; password from stdin or a prompt")
    create_user.add_argument("name")
    create_user.add_argument("--role", required=True, choices=("admin", "manager", "cashier", "hr", "employee"))
    create_user.add_argument("--display-name")
    create_user.add_argument("--employee", help="employee code to link")
    rotate = commands.add_parser("rotate-key", help="new field-encryption key; re-encrypt every row (daemon stopped)")
    rotate.add_argument("--admin", required=True, help="administrator confirming with a TOTP code (stdin or prompt)")
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
    credential = commands.add_parser(
        "set-credential", help="put a credential (e.g. database_password) in the secrets file; value from stdin")
    credential.add_argument("name", choices=CREDENTIAL_KEYS)
    commands.add_parser("verify-audit", help="check the audit hash chain and the chain of every invoice series")
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
    """A new password or credential: stdin when piped, else typed twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise ValueError("the passwords differ")
    return first


def read_code(prompt: str) -> str:
    """A one-time code: stdin when piped, else typed."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return input(prompt).strip()


@contextlib.contextmanager
def data_dir_locked(config: Config) -> Iterator[None]:
    """Hold the data dir for an admin command; refused (saying how to stop it) while the daemon runs."""
    from edge.server import DataDirLock, StartupError, prepare_data_dir

    lock = DataDirLock(prepare_data_dir(config.data_dir))
    try:
        lock.acquire()
    except StartupError as exc:
        raise StartupError(f"{exc}: stop it first (systemctl stop store-edge)") from exc
    try:
        yield
    finally:
        lock.release()


def rotate_key(args: argparse.Namespace, config: Config) -> int:
    """``rotate-key``: with the data dir locked (daemon stopped) and an administrator's fresh TOTP code."""
    from edge.server import build_context, require_schema_at_head
    from edge.services.keys import rotate
    from edge.services.twofactor import admin_with_fresh_code

    if args.batch_size < 1:
        raise ValueError("--batch-size must be at least 1")
    with data_dir_locked(config):
        ctx = build_context(config)
        require_schema_at_head(ctx)
        admin = admin_with_fresh_code(ctx, args.admin, read_code(f"TOTP code of {args.admin}: "))

        def progress(column: str, done: int) -> None:
            print(f"  {column}: {done} re-encrypted", flush=True)

        report = rotate(ctx, admin, args.batch_size, progress)
    what = "new key" if report.started_new_key else "resumed"
    total = sum(report.reencrypted.values())
    retired = ", ".join(report.retired_keys) or "none"
    print(f"field keys rotated ({what}): active key {report.active_key}, {total} values re-encrypted, "
          f"retired keys: {retired}")
    return 0


def pre_upgrade_backup(ctx: Any, config: Config, skip: bool) -> None:
    """Before migrating a store that has data, back it up (the rollback of a failed upgrade)."""
    from edge.store.backup import PRE_UPGRADE, backup_from_config
    from edge.store.migrate import current_version, head

    version = current_version(ctx.db)
    if version == 0 or version >= head() or skip:
        return
    result = backup_from_config(config, PRE_UPGRADE, note=f"v{version}")
    print(f"pre-upgrade backup {result.path} (schema version {version}); to roll back, reinstall the previous "
          f"release and run: restore {result.path}")


def restore(config: Config, backup: Path) -> int:
    """Replace the store with a backup: only while no daemon holds the data dir, only a file that checks out."""
    from edge.server import StartupError
    from edge.store.backup import (
        check_sqlite_backup,
        configured_store_url,
        mark_resume_needed,
        restore_mysql,
        restore_sqlite,
        sqlite_path,
    )
    from edge.store.migrate import head

    with data_dir_locked(config):
        store = sqlite_path(config.database_url)
        if store is not None:
            version = check_sqlite_backup(backup)
            if version > head():
                raise StartupError(f"{backup} is at schema version {version}, newer than this software ({head()})")
            aside = restore_sqlite(backup, store)
            kept = f"; the replaced store is kept as {aside}" if aside.exists() else ""
            print(f"restored {store} from {backup} (schema version {version}){kept}")
        else:
            restore_mysql(backup, configured_store_url(config))
            print(f"restored the MySQL store from {backup}")
        mark_resume_needed(config.data_dir)
        print("before serving: run resume-from-cloud with the cloud's resume point (docs/operations.md), "
              "or resume-from-cloud --none if this store never replicated")
    return 0


def resume_from_cloud(config: Config, point_file: Path | None) -> int:
    """Move the restored store's counters past what the cloud holds (daemon stopped), then allow serving."""
    import json

    from edge.server import build_context, require_schema_at_head
    from edge.services.resume import resume_from_cloud as advance
    from edge.store.backup import RESUME_NEEDED

    point = None
    if point_file is not None:
        try:
            point = json.loads(point_file.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the resume point {point_file}: {exc}") from exc
    with data_dir_locked(config):
        ctx = build_context(config)
        require_schema_at_head(ctx)
        moved = advance(ctx, point) if point is not None else []
        (config.data_dir / RESUME_NEEDED).unlink(missing_ok=True)
    print("\n".join(moved) if moved else "the store is already past the cloud's resume point; nothing moved")
    return 0


def run_command(args: argparse.Namespace, config: Config) -> int:
    """Run one command with a validated config."""
    from edge.security.fieldcrypt import DecryptionError
    from edge.security.secrets import SecretsError
    from edge.server import EdgeServer, StartupError, build_context, prepare_data_dir
    from edge.services.errors import ServiceError
    from edge.store.backup import BackupError
    from edge.store.migrate import MigrationError, current_version, migrate

    try:
        if args.command == "rotate-key":
            return rotate_key(args, config)
        if args.command == "set-credential":
            from edge.security.secrets import SECRETS_FILE_NAME, set_credential

            path = prepare_data_dir(config.data_dir) / SECRETS_FILE_NAME
            changed = set_credential(path, args.name, read_new_password())
            print(f"{args.name} set in {path}: restart the daemon to use it" if changed else f"{args.name} unchanged")
            return 0
        if args.command == "serve":
            server = EdgeServer(config)
            server.serve(config.get("server.host"), config.get("server.port"))
            return server.exit_code
        if args.command == "rebuild-summaries":
            with data_dir_locked(config):
                ctx = build_context(config)
                from edge.server import require_schema_at_head
                from edge.services.report_summaries import rebuild
                from edge.store.db import write_transaction

                require_schema_at_head(ctx)
                with write_transaction(ctx.db):
                    written = rebuild(ctx.db, str(config.get("store.timezone")),
                                      progress=lambda month: print(f"  {month:%B %Y}", flush=True))
                print("report summaries rebuilt: " + ", ".join(f"{name} {count:,}" for name, count in written.items()))
            return 0
        if args.command == "migrate":
            with data_dir_locked(config):
                ctx = build_context(config)
                pre_upgrade_backup(ctx, config, skip=args.no_backup)
                applied = migrate(ctx.db)
                from edge.services.setup import ensure_store

                ensure_store(ctx)
                names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "none needed"
                print(f"store at schema version {current_version(ctx.db)} (applied: {names})")
            return 0
        if args.command == "backup":
            from edge.store.backup import backup_from_config

            result = backup_from_config(config)
            copied = f", copied to {result.copied_to}" if result.copied_to else ""
            print(f"backup {result.path} ({result.size} bytes){copied}; {len(result.removed)} old backups removed")
            return 0
        if args.command == "restore":
            return restore(config, args.file)
        if args.command == "resume-from-cloud":
            if (args.file is None) == (not args.none):
                raise ValueError("give the cloud's resume point FILE, or --none for a store that never replicated")
            return resume_from_cloud(config, args.file)
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
        if args.command == "verify-audit":
            from edge.services.audit import verify_all

            report = verify_all(ctx)
            for line in report.lines():
                print(line)
            if not report.ok:
                print(f"error: {report.first_problem()}", file=sys.stderr)
                return EXIT_FAILED
            return 0
        if args.command == "create-user":
            from edge.services.users import create_user

            password = read_new_password()
            user = create_user(ctx, args.name, password, args.role, args.display_name, args.employee)
            print(f"created user {user.username} with role {user.role}")
            return 0
    except (StartupError, MigrationError, SecretsError, DecryptionError, BackupError) as exc:
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
