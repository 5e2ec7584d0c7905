"""The appliance playbook: it parses (--syntax-check), passes ansible-lint's production profile, and runs
against this machine in check mode — every role on, every task evaluated — without changing anything."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.test_cli import REPO

ANSIBLE = REPO / "ansible"
BIN = Path(sys.executable).parent  # ansible-core and ansible-lint come with the test extras
# What the playbook would create or change on a store box: none of it may move in check mode.
TOUCHED = ("/opt/store-edge", "/etc/store-edge", "/var/lib/store-edge", "/var/backups/store-edge",
           "/var/log/store-edge", "/etc/udev/rules.d/99-store-edge.rules", "/etc/systemd/system/store-edge.service",
           "/etc/systemd/journald.conf.d/store-edge.conf", "/etc/logrotate.d/store-edge", "/etc/nut",
           "/etc/mosquitto/conf.d/store-edge.conf", "/etc/mysql/mariadb.conf.d/60-store-edge.cnf", "/home/kiosk",
           "/etc/systemd/system/getty@tty1.service.d", "/etc/passwd", "/etc/group")


def ansible(tool: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run an ansible command in ansible/ with this virtualenv first on PATH and a private ANSIBLE_HOME."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "ANSIBLE_HOME": str(home),
           "ANSIBLE_LOCAL_TEMP": str(home / "tmp"), "ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1"}
    return subprocess.run([str(BIN / tool), *args], cwd=ANSIBLE, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def state_of(paths: tuple[str, ...]) -> dict[str, tuple[object, ...]]:
    """Existence, mode, size and mtime of each path (and a digest of small files)."""
    found: dict[str, tuple[object, ...]] = {}
    for name in paths:
        path = Path(name)
        if not path.exists():
            found[name] = ("absent",)
            continue
        info = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[name] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return found


def installed_packages() -> str:
    """Every Debian package and version on this machine."""
    return subprocess.run(["dpkg-query", "-W"], capture_output=True, text=True, check=True).stdout


def test_the_playbook_parses(tmp_path: Path) -> None:
    result = ansible("ansible-playbook", "--syntax-check", "site.yml", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "playbook: site.yml" in result.stdout


def test_the_playbook_passes_ansible_lint_production_profile(tmp_path: Path) -> None:
    result = ansible("ansible-lint", "--offline", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


def test_check_mode_against_this_machine_changes_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "store-edge.tar.gz"
    subprocess.run(["git", "archive", "--format=tar.gz", "-o", str(archive), "HEAD"], cwd=REPO, check=True)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  children:\n    stores:\n      hosts:\n        localhost:\n"
                         "          ansible_connection: local\n"
                         "          ansible_python_interpreter: /usr/bin/python3\n")  # python3-apt is there
    before, packages = state_of(TOUCHED), installed_packages()
    result = ansible("ansible-playbook", "-i", str(inventory), "--check", "site.yml",
                     "-e", f"store_edge_archive={archive}", "-e", "store_edge_mariadb=true",
                     "-e", "store_edge_mosquitto=true", "-e", "store_edge_kiosk_screen=true",
                     "-e", "store_edge_ups=true", home=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    recap = next(line for line in result.stdout.splitlines() if line.startswith("localhost"))
    assert "failed=0" in recap and "unreachable=0" in recap
    assert "changed=0" not in recap, "a fresh machine: check mode reports what it would do"
    assert state_of(TOUCHED) == before, "check mode changed the machine"
    assert installed_packages() == packages, "check mode installed or removed packages"


def test_the_rendered_config_and_secrets_load_in_the_daemon_with_the_database_password_only_in_secrets(
    tmp_path: Path,
) -> None:
    """The store_edge role's edge.toml and secrets.toml, rendered by ansible's own template module from the
    group defaults with a local MariaDB and awkward secret values, are what the daemon accepts: the config
    names the database user, the password (quotes, @, / and all) is only in the 0600 secrets file."""
    import json
    from urllib.parse import unquote, urlparse

    from edge.config import load_config
    from edge.security.secrets import load_secrets
    from edge.store.db import store_url

    password, token = 'p@ss:w/rd "x" #1', 'tok"en\\with'
    extra = {"store_edge_mariadb": True, "store_edge_mariadb_password": password,
             "store_edge_data_dir": str(tmp_path / "data"), "store_edge_user": "store-edge",
             "store_edge_secrets": {"session_key": "ab" * 32, "active_field_key": "k1", "metrics_token": token,
                                    "field_keys": {"k1": "A" * 43 + "="}}}
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    templates = ANSIBLE / "roles" / "store_edge" / "templates"
    for name in ("edge.toml", "secrets.toml"):
        result = ansible("ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", "ansible.builtin.template",
                         "-a", f"src={templates / (name + '.j2')} dest={tmp_path / name} mode=0600",
                         "-e", "@group_vars/all.yml", "-e", f"@{tmp_path / 'extra.json'}",
                         "-e", f"ansible_python_interpreter={sys.executable}", home=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
    config_text = (tmp_path / "edge.toml").read_text()
    assert password not in config_text and "store_edge_mariadb_password" not in config_text
    config = load_config(tmp_path / "edge.toml", environ={})
    secrets = load_secrets(tmp_path / "secrets.toml")
    assert secrets.credentials["metrics_token"] == token
    assert secrets.credentials["database_password"] == password
    opened = urlparse(store_url(config.database_url, secrets.credentials["database_password"]))
    assert (opened.username, unquote(opened.password or ""), opened.hostname) == ("pos", password, "127.0.0.1")
