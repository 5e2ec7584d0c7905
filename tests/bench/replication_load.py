"""Processes that tests/bench/bench_replication.py runs next to the product's own, each on loopback:

    python -m tests.bench.replication_load ingest --dsn DSN --port P --worker-id ID [--profile FILE]
        the product's IngestWorker (cloud_bridge.ingest), as `python -m cloud_bridge.ingest run` runs it, but
        printing "subscribed" once the broker granted its shared subscription (so no message is published
        before a worker listens) and, on SIGTERM, one JSON line of what it did; --profile writes cProfile stats
    python -m tests.bench.replication_load raw-sub --port P --topic T --count N
        the raw baseline's subscriber: QoS 1, counts N messages, prints the wall-clock times of the first and
        last as JSON
    python -m tests.bench.replication_load raw-pub --port P --topic T --count N --payload FILE --window W
        the raw baseline's publisher: N QoS 1 messages of the file's bytes, at most W in flight (the store
        publisher's window), prints the wall-clock start and the time of the last PUBACK as JSON
    python -m tests.bench.replication_load raw-latency --port P --rate R --seconds S --payload FILE
        single QoS 1 messages at R per second on a monotonic schedule, publisher and subscriber clients in one
        process; prints each publish → delivery time in ms as JSON

Only paho-mqtt (and, for ingest, the product's worker) is used: these are the "raw" figures the product's
replication is compared with.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from cloud_bridge.ingest import IngestWorker

CONNECT_TIMEOUT_S = 20


def client(client_id: str) -> mqtt.Client:
    """A plain MQTT 5 paho client (clean start: the raw figures carry no session state)."""
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


def emit(data: dict[str, Any]) -> None:
    """One JSON line on stdout."""
    print(json.dumps(data), flush=True)


def wait(event: threading.Event, timeout: float, what: str) -> None:
    """Wait for an event or exit with an error naming it."""
    if not event.wait(timeout):
        print(f"timed out waiting for {what}", file=sys.stderr, flush=True)
        raise SystemExit(3)


def run_ingest(args: argparse.Namespace) -> int:
    """The product's ingest worker, telling when it is subscribed and what it did."""
    worker = IngestWorker(args.dsn, "127.0.0.1", args.port, worker_id=args.worker_id)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def on_subscribe(mqtt_client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if all(not reason.is_failure for reason in reasons):
            print("subscribed", flush=True)

    worker.client.on_subscribe = on_subscribe
    profiler = cProfile.Profile() if args.profile else None
    cpu_start = time.process_time()
    if profiler is not None:
        profiler.enable()
    try:
        worker.run(stop)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    emit({"worker": args.worker_id, "messages": worker.messages, "dead_letters": worker.dead_letters,
          "cpu_s": time.process_time() - cpu_start})
    return 0


def run_raw_sub(args: argparse.Namespace) -> int:
    """Count N QoS 1 messages; print the times of the first and the last."""
    seen: dict[str, Any] = {"first": 0.0, "last": 0.0, "count": 0, "wrong_size": 0}
    ready, done = threading.Event(), threading.Event()
    sub = client(f"bench-raw-sub-{args.count}")

    def on_connect(mqtt_client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        mqtt_client.subscribe(args.topic, qos=1)

    def on_subscribe(mqtt_client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        print("subscribed", flush=True)
        ready.set()

    def on_message(mqtt_client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        now = time.time()
        seen["first"] = seen["first"] or now
        seen["last"] = now
        seen["count"] += 1
        seen["wrong_size"] += len(message.payload) != args.size
        if seen["count"] >= args.count:
            done.set()

    sub.on_connect, sub.on_subscribe, sub.on_message = on_connect, on_subscribe, on_message
    sub.connect("127.0.0.1", args.port)
    sub.loop_start()
    try:
        wait(ready, CONNECT_TIMEOUT_S, "the subscription")
        wait(done, args.timeout, f"{args.count} messages")
    finally:
        sub.loop_stop()
        sub.disconnect()
    emit(seen)
    return 0


def run_raw_pub(args: argparse.Namespace) -> int:
    """Publish N QoS 1 messages of one payload, at most --window unacknowledged; print start and last PUBACK."""
    payload = Path(args.payload).read_bytes()
    connected, done = threading.Event(), threading.Event()
    acked = [0]
    pub = client(f"bench-raw-pub-{args.count}")
    pub.max_inflight_messages_set(args.window)
    pub.max_queued_messages_set(0)

    def on_connect(mqtt_client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        connected.set()

    def on_publish(mqtt_client: mqtt.Client, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        acked[0] += 1
        if acked[0] >= args.count:
            done.set()

    pub.on_connect, pub.on_publish = on_connect, on_publish
    pub.connect("127.0.0.1", args.port)
    pub.loop_start()
    try:
        wait(connected, CONNECT_TIMEOUT_S, "the connection")
        start = time.time()
        for _ in range(args.count):  # the same bytes object each time: paho queues references, not copies
            pub.publish(args.topic, payload, qos=1)
        wait(done, args.timeout, f"{args.count} PUBACKs")
        end = time.time()
    finally:
        pub.loop_stop()
        pub.disconnect()
    emit({"start": start, "end": end, "count": acked[0]})
    return 0


def run_raw_latency(args: argparse.Namespace) -> int:
    """Single QoS 1 messages at a steady rate; each one's publish → delivery time."""
    payload = bytearray(Path(args.payload).read_bytes())
    count = int(args.rate * args.seconds)
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    ready, done = threading.Event(), threading.Event()
    sub, pub = client("bench-lat-sub"), client("bench-lat-pub")

    def on_connect(mqtt_client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        mqtt_client.subscribe(args.topic, qos=1)

    def on_subscribe(mqtt_client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        ready.set()

    def on_message(mqtt_client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        now = time.perf_counter()
        index = int.from_bytes(message.payload[:4], "big")
        received.setdefault(index, now)
        if len(received) >= count:
            done.set()

    sub.on_connect, sub.on_subscribe, sub.on_message = on_connect, on_subscribe, on_message
    sub.connect("127.0.0.1", args.port)
    sub.loop_start()
    pub.connect("127.0.0.1", args.port)
    pub.loop_start()
    try:
        wait(ready, CONNECT_TIMEOUT_S, "the subscription")
        start = time.monotonic()
        for index in range(count):
            delay = start + index / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing to a monotonic schedule: late messages do not shift the later ones
            payload[:4] = index.to_bytes(4, "big")
            sent[index] = time.perf_counter()
            pub.publish(args.topic, bytes(payload), qos=1)
        wait(done, args.timeout, f"{count} messages")
    finally:
        pub.loop_stop()
        sub.loop_stop()
        pub.disconnect()
        sub.disconnect()
    emit({"latency_ms": [(received[i] - sent[i]) * 1000 for i in range(count)],
          "seconds": time.monotonic() - start})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.replication_load")
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest")
    ingest.add_argument("--dsn", required=True)
    ingest.add_argument("--port", type=int, required=True)
    ingest.add_argument("--worker-id", required=True)
    ingest.add_argument("--profile", default="")
    for name in ("raw-sub", "raw-pub", "raw-latency"):
        command = commands.add_parser(name)
        command.add_argument("--port", type=int, required=True)
        command.add_argument("--topic", required=True)
        command.add_argument("--timeout", type=float, default=300)
        if name == "raw-sub":
            command.add_argument("--count", type=int, required=True)
            command.add_argument("--size", type=int, required=True)
        elif name == "raw-pub":
            command.add_argument("--count", type=int, required=True)
            command.add_argument("--payload", required=True)
            command.add_argument("--window", type=int, required=True)
        else:
            command.add_argument("--rate", type=float, required=True)
            command.add_argument("--seconds", type=float, required=True)
            command.add_argument("--payload", required=True)
    args = parser.parse_args(argv)
    handlers = {"ingest": run_ingest, "raw-sub": run_raw_sub, "raw-pub": run_raw_pub, "raw-latency": run_raw_latency}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
