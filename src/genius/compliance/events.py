"""Imports every compliance sub-package's event contracts (see genius.modules.load_events)."""

from __future__ import annotations

import genius.compliance.efactura.events
import genius.compliance.etransport.events
import genius.compliance.reges.events
import genius.compliance.saft.events
import genius.compliance.taxpayer.events  # noqa: F401
