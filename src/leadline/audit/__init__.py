"""Who changed what: the audit log every write to an editable entity goes through."""

from leadline.audit.log import AuditEntry, actor_name, diff, entry_row, history, record, snapshot

__all__ = ["AuditEntry", "actor_name", "diff", "entry_row", "history", "record", "snapshot"]
