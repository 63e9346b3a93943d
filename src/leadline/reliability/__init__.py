"""Reliability: SLOs and SLIs, error budgets, multiwindow burn-rate alerts, SLAs and XLAs."""
