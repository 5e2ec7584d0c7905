"""``python -m cloud_bridge`` is the store's publisher (see cloud_bridge.publisher)."""

from cloud_bridge.publisher import main

raise SystemExit(main())
