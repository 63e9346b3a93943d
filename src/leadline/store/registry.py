"""Imports every pillar's models so the metadata (and Alembic) sees all tables."""

from __future__ import annotations

import leadline.audit.log
import leadline.catalog.models
import leadline.finops.models
import leadline.finops.vendor_models
import leadline.ingest.models
import leadline.lake.models
import leadline.maturity.models
import leadline.people.models
import leadline.reliability.agreement_models
import leadline.reliability.models
import leadline.risk.models
import leadline.scorecard.models
import leadline.strategy.change_models
import leadline.strategy.models
import leadline.strategy.portfolio_models
import leadline.web.models  # noqa: F401
from leadline.store.base import Base

metadata = Base.metadata
