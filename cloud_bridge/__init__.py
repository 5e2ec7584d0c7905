"""Store Edge POS cloud bridge: edge→cloud publisher, cloud→edge downlink and the cloud ingest worker."""

__version__ = "0.1.0"
