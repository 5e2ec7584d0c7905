"""``GET /metrics`` in Prometheus text format: sales, replication backlog and lag, devices, the print queue,
the UPS and the last backup. Read from the store at scrape time (one process, nothing to aggregate), for
admins or a scraper holding the secrets file's ``metrics_token``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import peewee
from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

from edge import __version__
from edge.services.context import ServiceContext
from edge.services.sync import sync_status
from edge.store.backup import SCHEDULED, backup_folder, backups_in
from edge.store.models import Invoice, PrintJob, Till
from edge.web.access import METRICS_TOKEN, declare_access

bp = Blueprint("metrics", __name__)
ROLES = ("admin", METRICS_TOKEN)
PENDING_PRINTS = ("queued", "printing")


class StoreCollector:
    """Every metric, computed from the store and the daemon's parts when Prometheus scrapes."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        """The metric families of one scrape."""
        ctx = self.ctx
        with ctx.db.connection_context():
            yield from self._sales()
            yield from self._sync(ctx)
            queued = PrintJob.select().where(PrintJob.status.in_(PENDING_PRINTS)).count()
        yield GaugeMetricFamily("pos_print_queue_length", "Print jobs waiting for their printer.", value=queued)
        yield from self._devices(ctx)
        yield from self._ups(ctx)
        yield from self._backup(ctx)
        info = InfoMetricFamily("pos", "The daemon: version and store.")
        info.add_metric([], {"version": __version__, "store": str(ctx.config.get("store.code"))})
        yield info
        yield GaugeMetricFamily("pos_uptime_seconds", "Seconds since the daemon started.",
                                value=time.monotonic() - ctx.started_monotonic)

    @staticmethod
    def _sales() -> Iterator[Metric]:
        count = CounterMetricFamily("pos_sales", "Invoices issued (cancelled ones included), per till.",
                                    labels=["till"])
        amount = CounterMetricFamily("pos_sales_amount_paise", "Total of the invoices issued, in paise, per till.",
                                     labels=["till"])
        cancelled = GaugeMetricFamily("pos_sales_cancelled", "Invoices cancelled, per till.", labels=["till"])
        rows = (Invoice.select(Till.code, peewee.fn.COUNT(Invoice.id), peewee.fn.SUM(Invoice.total_paise),
                               peewee.fn.SUM(peewee.Case(None, [(Invoice.status == "cancelled", 1)], 0)))
                .join(Till).group_by(Till.code).tuples())
        for till, issued, total, gone in rows:
            count.add_metric([till], int(issued))
            amount.add_metric([till], int(total or 0))
            cancelled.add_metric([till], int(gone or 0))
        yield from (count, amount, cancelled)

    @staticmethod
    def _sync(ctx: ServiceContext) -> Iterator[Metric]:
        status = sync_status(ctx)
        yield GaugeMetricFamily("pos_sync_backlog", "Events not yet acknowledged by the cloud broker.",
                                value=status["backlog"])
        yield GaugeMetricFamily("pos_sync_oldest_unsent_age_seconds",
                                "Age of the oldest unacknowledged event (0 when none).",
                                value=status["oldest_unsent_age_s"] or 0)
        last_ack = datetime.fromisoformat(status["last_ack_at"].removesuffix("Z")) if status["last_ack_at"] else None
        lag = GaugeMetricFamily("pos_sync_last_ack_age_seconds",
                                "Seconds since the broker last acknowledged an event (absent before the first).")
        if last_ack is not None:
            lag.add_metric([], (ctx.now() - last_ack).total_seconds())
        yield lag
        yield CounterMetricFamily("pos_sync_events", "Events written to the outbox (the last sequence number).",
                                  value=status["last_seq"])

    @staticmethod
    def _devices(ctx: ServiceContext) -> Iterator[Metric]:
        up = GaugeMetricFamily("pos_device_up", "1 when the device is connected, per device.",
                               labels=["device", "kind", "till", "status"])
        for device in ctx.devices.statuses() if ctx.devices is not None else []:
            up.add_metric([device["device"], device["kind"], device["till"] or "", str(device["status"])],
                          1 if device["status"] == "connected" else 0)
        yield up

    @staticmethod
    def _ups(ctx: ServiceContext) -> Iterator[Metric]:
        state = ctx.ups.state if ctx.ups is not None else None
        if state is None:
            return
        yield GaugeMetricFamily("pos_ups_on_battery", "1 while the UPS runs on battery.", value=int(state.on_battery))
        yield GaugeMetricFamily("pos_ups_low_battery", "1 when the UPS reports a low battery.",
                                value=int(state.low_battery))
        if state.charge is not None:
            yield GaugeMetricFamily("pos_ups_battery_charge_percent", "Battery charge.", value=state.charge)

    @staticmethod
    def _backup(ctx: ServiceContext) -> Iterator[Metric]:
        folder = backup_folder(ctx.config)
        found = backups_in(folder, SCHEDULED) if folder.is_dir() else []
        last = GaugeMetricFamily("pos_backup_last_success_timestamp_seconds",
                                 "When the newest scheduled backup was written (absent before the first).")
        if found:
            last.add_metric([], found[-1].stat().st_mtime)
        yield last


def metrics() -> Any:
    """The Prometheus text exposition of this store."""
    registry: CollectorRegistry = current_app.extensions["pos_metrics"]
    return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


declare_access(metrics, ROLES)
bp.add_url_rule("/metrics", endpoint="metrics", view_func=metrics, methods=["GET"])


def install(app: Any, ctx: ServiceContext) -> None:
    """Register /metrics and its collector on the app."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(ctx))
    app.extensions["pos_metrics"] = registry
    app.register_blueprint(bp)
