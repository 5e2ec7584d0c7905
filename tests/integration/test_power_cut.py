"""Power-cut safety, proven: the real daemon is killed with SIGKILL 50 times in the middle of bursts of
concurrent checkouts, payments and attendance punches, and restarted each time. Afterwards the SQLite file
passes integrity_check, every sale, payment and punch the API acknowledged is there with its amounts, and each
invoice series is gap-free and has no number twice."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import requests

from tests.integration.test_cli import seeded  # noqa: F401  (module fixture)
from tests.integration.test_daemon import Daemon, start_daemon

KILLS = int(os.environ.get("POWER_CUTS", "50"))
BURST_S = (0.25, 0.9)  # the kill lands this long after a burst starts
SELLERS = (("cashier", "cashier-demo-1", "T1"), ("cashier", "cashier-demo-1", "T2"),
           ("manager", "manager-demo-1", "T1"), ("manager", "manager-demo-1", "T2"))
NUMBER = re.compile(r"^(?P<series>.+/)(?P<n>\d+)$")


def http(daemon: Daemon, session: requests.Session | None, method: str, path: str,
         body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> requests.Response:
    """Every HTTP call of the operations tests goes through here (one place to switch scheme or certificates)."""
    return (session or daemon.session()).request(method, f"{daemon.url}{path}", json=body, headers=headers,
                                                 timeout=30)


@dataclass
class Acknowledged:
    """What the API answered 2xx to: the store must still hold all of it after the power cuts."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sales: dict[str, dict[str, Any]] = field(default_factory=dict)  # invoice uuid → summary at checkout
    payments: dict[str, int] = field(default_factory=dict)  # payment uuid → amount
    punches: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # 4xx/5xx answers: none is expected


def login(daemon: Daemon, username: str, password: str) -> requests.Session:
    """A logged-in session (trusting the store CA)."""
    session = daemon.session()
    answer = http(daemon, session, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return session


def sell(daemon: Daemon, session: requests.Session, till: str, products: list[str], stop: threading.Event,
         seen: Acknowledged) -> None:
    """Sell until the daemon dies: cart, a line or two, checkout paying part in cash, then the rest by card."""
    rng = random.Random()
    while not stop.is_set():
        try:
            cart = http(daemon, session, "GET", f"/api/v1/tills/{till}/cart")
            if cart.status_code != 200:
                seen.errors.append(f"cart {cart.status_code} {cart.text}")
                return
            cart_id = cart.json()["id"]
            for product in rng.sample(products, rng.randint(1, 2)):
                line = http(daemon, session, "POST", f"/api/v1/carts/{cart_id}/lines",
                            {"product_id": product, "quantity": str(rng.randint(1, 3))})
                if line.status_code != 200:
                    seen.errors.append(f"line {line.status_code} {line.text}")
                    return
            total = line.json()["total_paise"]
            cash = total // 2
            sale = http(daemon, session, "POST", f"/api/v1/carts/{cart_id}/checkout",
                        {"payments": [{"method": "cash", "amount_paise": cash}]})
            if sale.status_code != 201:
                seen.errors.append(f"checkout {sale.status_code} {sale.text}")
                return
            summary = sale.json()
            with seen.lock:
                seen.sales[UUID(summary["id"]).hex] = summary
                seen.payments.update({UUID(p["id"]).hex: p["amount_paise"] for p in summary["payments"]})
            paid = http(daemon, session, "POST", f"/api/v1/invoices/{summary['id']}/payments",
                        {"method": "card", "amount_paise": total - cash, "reference": f"TID{rng.randint(1, 10**6)}"})
            if paid.status_code != 201:
                seen.errors.append(f"payment {paid.status_code} {paid.text}")
                return
            with seen.lock:
                seen.payments.update({UUID(p["id"]).hex: p["amount_paise"] for p in paid.json()["payments"]})
        except requests.RequestException:
            return  # the power went: whatever was in flight has no answer, and the store may or may not hold it


def punch(daemon: Daemon, session: requests.Session, badges: list[str], stop: threading.Event,
          seen: Acknowledged) -> None:
    """Badge punches at the shared terminal until the daemon dies."""
    rng = random.Random()
    while not stop.is_set():
        try:
            answer = http(daemon, session, "POST", "/api/v1/attendance/punches", {"badge": rng.choice(badges)})
        except requests.RequestException:
            return
        if answer.status_code != 201:
            seen.errors.append(f"punch {answer.status_code} {answer.text}")
            return
        with seen.lock:
            seen.punches.add(UUID(answer.json()["punch_id"]).hex)


def burst_and_kill(daemon: Daemon, products: list[str], badges: list[str], seen: Acknowledged) -> None:
    """Sellers on both tills and a punching terminal, then SIGKILL mid-burst."""
    sessions = [(login(daemon, user, password), till) for user, password, till in SELLERS]
    terminal = login(daemon, "cashier", "cashier-demo-1")
    stop = threading.Event()
    workers = [threading.Thread(target=sell, args=(daemon, session, till, products, stop, seen))
               for session, till in sessions]
    workers.append(threading.Thread(target=punch, args=(daemon, terminal, badges, stop, seen)))
    for worker in workers:
        worker.start()
    stop.wait(random.uniform(*BURST_S))
    daemon.process.send_signal(signal.SIGKILL)
    daemon.process.wait(timeout=10)
    stop.set()
    for worker in workers:
        worker.join(timeout=15)
    assert not any(worker.is_alive() for worker in workers)


def test_fifty_power_cuts_mid_sale_lose_no_acknowledged_sale_and_leave_no_gap(
    seeded: Path, tmp_path: Path  # noqa: F811
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("edge.lock"))
    with sqlite3.connect(data_dir / "store.db") as conn:
        products = [row[0] for row in conn.execute(
            "SELECT p.uuid FROM product p JOIN product_unit u ON u.product_id = p.id "
            "WHERE p.base_unit = 'piece' AND u.factor_milli = 1000 AND u.sellable ORDER BY p.sku LIMIT 20")]
        badges = [row[0] for row in conn.execute(
            "SELECT identifier FROM employee_credential WHERE kind = 'badge' AND is_active ORDER BY id LIMIT 40")]
    assert len(products) == 20 and len(badges) == 40
    seen = Acknowledged()
    started = time.monotonic()
    for cut in range(KILLS):
        daemon = start_daemon(data_dir, tmp_path / f"daemon-{cut % 2}.log")
        burst_and_kill(daemon, products, badges, seen)
        assert seen.errors == [], f"cut {cut}: the daemon refused or failed work: {seen.errors[:3]}"
    elapsed = time.monotonic() - started
    assert len(seen.sales) >= KILLS, f"only {len(seen.sales)} sales acknowledged in {KILLS} bursts"

    # After the last cut the daemon starts again on the same file, as systemd would restart it.
    daemon = start_daemon(data_dir, tmp_path / "final.log")
    try:
        assert http(daemon, None, "GET", "/api/v1/health").json()["status"] == "ok"
    finally:
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=30) == 0

    conn = sqlite3.connect(data_dir / "store.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        invoices = {row[0]: row[1:] for row in conn.execute(
            "SELECT uuid, number, total_paise, status FROM invoice")}
        payments = dict(conn.execute("SELECT uuid, amount_paise FROM payment"))
        punches = {row[0] for row in conn.execute("SELECT uuid FROM punch")}
        next_numbers = sorted(row[0] for row in conn.execute(
            "SELECT next_number FROM invoice_series WHERE document_type = 'invoice'"))
        outbox_seq = [row[0] for row in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    finally:
        conn.close()

    for uuid, summary in seen.sales.items():
        assert uuid in invoices, f"acknowledged sale {summary['number']} lost"
        assert invoices[uuid][:2] == (summary["number"], summary["total_paise"]), summary["number"]
    assert {uuid for uuid in seen.payments if payments.get(uuid) != seen.payments[uuid]} == set(), "payments lost"
    assert seen.punches <= punches, f"{len(seen.punches - punches)} acknowledged punches lost"

    numbers: dict[str, list[int]] = defaultdict(list)
    for number, _total, _status in invoices.values():
        match = NUMBER.match(number)
        assert match, number
        numbers[match["series"]].append(int(match["n"]))
    assert len(numbers) == 2, f"one series per till: {sorted(numbers)}"
    for prefix, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), f"series {prefix}: gap or duplicate"
    assert sorted(len(taken) + 1 for taken in numbers.values()) == next_numbers, "each series' next number"
    assert outbox_seq == list(range(1, len(outbox_seq) + 1)), "the outbox sequence is gap-free too"
    print(f"{KILLS} power cuts in {elapsed:.0f} s: {len(seen.sales)} sales, {len(seen.payments)} payments and "
          f"{len(seen.punches)} punches acknowledged, {len(invoices)} invoices in the store")
