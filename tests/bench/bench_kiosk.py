"""The kiosk in numbers (issue #7): the gzipped JavaScript a till downloads for the cashier screen, and the time
the cashier screen takes to show one change of a 200-line cart, measured in Chromium.

Bundle: the kiosk is built in this run (``vite build`` into a temporary folder, with its manifest); the POS route
is the entry chunk and every chunk it imports statically — the back office, HR and terminal chunks are
``React.lazy`` imports and load only when opened. Baseline: React + ReactDOM alone (``createRoot`` rendering one
element), bundled and minified by the same esbuild in the same run — the floor any React kiosk pays.

Re-render: the real daemon serves the freshly built kiosk; a cashier's cart on a till holds 200 lines, the
cashier screen shows it in Debian's Chromium (Playwright), and another client changes one line's quantity over
REST (a manager's cart: a manager may type the weight of a kg line). In the page, the time runs from the
arrival of the ``cart`` push on the WebSocket to the last DOM change of
the cart that follows it (a MutationObserver on the cart table, read at the next animation frame): decode, reducer,
render and commit. Baseline: the same change on a 1-line cart in the same run.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import requests

from tests.bench.bench_socketio import prepare_daemon
from tests.bench.harness import REPO_ROOT, Result, percentile
from tests.integration.test_daemon import start_daemon
from tests.servers import trusting_browser_home

KIOSK = REPO_ROOT / "kiosk_ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BUNDLE_GOAL_KB = 300
FRAME_MS = 16.0
BIG_CART = 200
# A manager sells at the till too, and may type a weight: every demo product, kg ones included, can be a line.
SELLER = {"username": "manager", "password": "manager-demo-1"}

# In the page before the kiosk loads: stamp each "cart" push as it arrives on the WebSocket, and the last
# mutation of the cart table after it (the first listener on a socket runs before Socket.IO's own handler).
PROBE = """
(() => {
  window.__pushes = [];
  window.__mutations = [];
  const Native = window.WebSocket;
  function Probed(...args) {
    const socket = new Native(...args);
    socket.addEventListener("message", (event) => {
      if (typeof event.data === "string" && event.data.startsWith('42["cart"')) window.__pushes.push(performance.now());
    });
    return socket;
  }
  Probed.prototype = Native.prototype;
  for (const key of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Probed[key] = Native[key];
  window.WebSocket = Probed;
  window.__watchCart = () => {
    const table = document.querySelector('[data-testid="cart-line"]').closest("table");
    new MutationObserver(() => window.__mutations.push(performance.now()))
      .observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
  };
})();
"""


def gzipped(data: bytes) -> int:
    """Bytes after gzip -9, as a web server with static compression would send them."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def npm_ready() -> None:
    if not (KIOSK / "node_modules" / ".bin" / "vite").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=KIOSK, check=True, capture_output=True)


def build_kiosk(out: Path) -> Path:
    """``vite build`` of kiosk_ui into ``out`` with its manifest."""
    subprocess.run([str(KIOSK / "node_modules" / ".bin" / "vite"), "build", "--outDir", str(out), "--emptyOutDir",
                    "--manifest"], cwd=KIOSK, check=True, capture_output=True, timeout=300)
    return out


def route_chunks(dist: Path) -> tuple[list[Path], list[Path]]:
    """The JS files of the POS route (entry + static imports) and every JS file of the build."""
    manifest: dict[str, Any] = json.loads((dist / ".vite" / "manifest.json").read_text())
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    seen: list[str] = []
    todo = [entry]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.append(key)
        todo.extend(manifest[key].get("imports", []))
    route = [dist / manifest[key]["file"] for key in seen]
    every = sorted((dist / "assets").glob("*.js"))
    return route, every


def react_alone(work: Path) -> int:
    """Gzipped bytes of React + ReactDOM alone, minified by the kiosk's esbuild (production mode).

    The entry comes on stdin, so esbuild resolves ``react`` from kiosk_ui's node_modules (its working folder).
    """
    entry = ('import { createElement } from "react";\nimport { createRoot } from "react-dom/client";\n'
             'createRoot(document.getElementById("root")).render(createElement("div", null, "till"));\n')
    out = work / "react.js"
    subprocess.run([str(KIOSK / "node_modules" / ".bin" / "esbuild"), "--bundle", "--minify", "--format=esm",
                    "--target=chrome100", '--define:process.env.NODE_ENV="production"', f"--outfile={out}"],
                   input=entry.encode(), cwd=KIOSK, check=True, capture_output=True, timeout=120)
    return gzipped(out.read_bytes())


class Till:
    """A cashier's cart on a till, changed over REST."""

    def __init__(self, base: str, session: requests.Session, till: str) -> None:
        self.base, self.session, self.till = base, session, till

    def cart(self) -> Any:
        answer = self.session.get(f"{self.base}/api/v1/tills/{self.till}/cart", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def fill(self, product_ids: list[str]) -> Any:
        cart = self.cart()
        for product_id in product_ids:
            answer = self.session.post(f"{self.base}/api/v1/carts/{cart['id']}/lines", timeout=30,
                                       json={"product_id": product_id, "quantity": "1", "version": cart["version"]})
            answer.raise_for_status()
            cart = answer.json()
        return cart

    def bump(self, cart: Any, quantity: int) -> Any:
        """Change the quantity of the cart's middle line: one change, pushed to the till's screens."""
        line = cart["lines"][len(cart["lines"]) // 2]
        answer = self.session.patch(f"{self.base}/api/v1/carts/{cart['id']}/lines/{line['id']}", timeout=30,
                                    json={"quantity": str(quantity), "version": cart["version"]})
        answer.raise_for_status()
        return answer.json()


def product_ids(base: str, session: requests.Session, count: int) -> list[str]:
    """IDs of `count` demo products."""
    from edge.services.demo_data import demo_products

    ids: list[str] = []
    for product in demo_products():
        answer = session.get(f"{base}/api/v1/products", params={"q": product.sku, "limit": 1}, timeout=30)
        answer.raise_for_status()
        ids.extend(item["id"] for item in answer.json()["items"][:1])
        if len(ids) == count:
            return ids
    raise AssertionError(f"the demo store has fewer than {count} products")


def measure_rerender(base: str, till: Till, rounds: int, ca_file: Path, home: Path) -> list[float]:
    """Milliseconds from each cart push's arrival to the cart table's last change, in Chromium (trusting the
    store CA through its NSS database; Playwright's API requests through NODE_EXTRA_CA_CERTS)."""
    from playwright.sync_api import sync_playwright

    samples: list[float] = []
    trusting_browser_home(ca_file, home)
    before = os.environ.get("NODE_EXTRA_CA_CERTS")
    os.environ["NODE_EXTRA_CA_CERTS"] = str(ca_file)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                             env={**os.environ, "HOME": str(home)})
            try:
                samples = _rerender_samples(browser, base, till, rounds)
            finally:
                browser.close()
    finally:
        if before is None:
            os.environ.pop("NODE_EXTRA_CA_CERTS", None)
        else:
            os.environ["NODE_EXTRA_CA_CERTS"] = before
    return samples


def _rerender_samples(browser: Any, base: str, till: Till, rounds: int) -> list[float]:
    samples: list[float] = []
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=base)
    try:
        context.add_init_script(PROBE)
        context.request.post("/api/v1/auth/login", data=SELLER)
        page = context.new_page()
        page.goto(f"/pos/{till.till}")
        page.wait_for_selector('[data-testid="connection"][data-state="live"]')
        cart = till.cart()
        page.wait_for_function("n => document.querySelectorAll('[data-testid=\"cart-line\"]').length === n",
                               arg=len(cart["lines"]))
        page.evaluate("() => window.__watchCart()")
        for round_no in range(rounds + 2):  # the first two warm the page up
            pushes = page.evaluate("() => window.__pushes.length")
            cart = till.bump(cart, 2 + round_no % 2)
            page.wait_for_function("n => window.__pushes.length > n", arg=pushes)
            # Two animation frames after the push: the render it caused has been committed and painted.
            took = page.evaluate("""n => new Promise(done => requestAnimationFrame(
              () => requestAnimationFrame(() => {
                const at = window.__pushes[n];
                const after = window.__mutations.filter(t => t >= at);
                done(after.length ? Math.max(...after) - at : null);
            })))""", pushes)
            if took is None:
                raise AssertionError("the cart table did not change after the push")
            if round_no >= 2:
                samples.append(float(took))
    finally:
        context.close()
    return samples


def run(quick: bool) -> list[Result]:
    """Build, weigh the POS route against React alone; time a 200-line cart's re-render against a 1-line cart's."""
    rounds = 10 if quick else 40
    npm_ready()
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        work = Path(tmp)
        dist = build_kiosk(work / "dist")
        route, every = route_chunks(dist)
        route_gz = sum(gzipped(path.read_bytes()) for path in route)
        every_gz = sum(gzipped(path.read_bytes()) for path in every)
        react_gz = react_alone(work)

        data_dir = work / "data"
        prepare_daemon(data_dir)
        daemon = start_daemon(data_dir, work / "daemon.log", dist)  # the till simulators push as in a store
        url = daemon.url
        try:
            session = daemon.session()  # HTTPS, the store CA trusted
            session.post(f"{url}/api/v1/auth/login", json=SELLER, timeout=60).raise_for_status()
            products = product_ids(url, session, BIG_CART)
            big, small = Till(url, session, "T1"), Till(url, session, "T2")
            big.fill(products)
            small.fill(products[:1])
            assert daemon.ca_file is not None
            big_ms = measure_rerender(url, big, rounds, daemon.ca_file, work / "home")
            small_ms = measure_rerender(url, small, rounds, daemon.ca_file, work / "home")
        finally:
            daemon.process.terminate()
            daemon.process.wait(timeout=30)
        shutil.rmtree(dist, ignore_errors=True)

    kb = route_gz / 1024
    big_median, small_median = statistics.median(big_ms), statistics.median(small_ms)
    files = ", ".join(path.name for path in route)
    return [
        Result("kiosk: gzipped JS of the POS route", round(kb, 1), "KB", "React + ReactDOM alone (esbuild, minified)",
               round(react_gz / 1024, 1), f"<= {BUNDLE_GOAL_KB} KB", kb <= BUNDLE_GOAL_KB,
               f"{files}; the whole build (back office, HR, terminal chunks too): {every_gz / 1024:.1f} KB gzipped"),
        Result(f"kiosk: re-render of a {BIG_CART}-line cart after one change (median, Chromium)",
               round(big_median, 2), "ms", "the same change on a 1-line cart", round(small_median, 2),
               f"<= {FRAME_MS:.0f} ms (one frame)", big_median <= FRAME_MS,
               f"push arrival to the cart table's last mutation; p95 {percentile(big_ms, 95):.2f} ms "
               f"(1 line: {percentile(small_ms, 95):.2f} ms); {len(big_ms)} changes each"),
    ]
