"""Settings: where leadline keeps its data and which engine computes metrics.

Sources, highest priority first: explicit arguments, environment variables (``LEADLINE_*``), the
config file (``$LEADLINE_CONFIG``, else ``$LEADLINE_HOME/leadline.toml``), built-in defaults.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_HOME = Path("leadline-data")
CONFIG_FILE_NAME = "leadline.toml"
DATABASE_FILE_NAME = "leadline.db"
LAKE_DIR_NAME = "lake"

_config_file: ContextVar[Path | None] = ContextVar("leadline_config_file", default=None)


GroupLevel = Literal["organisation", "business_unit", "team"]


class CatalogSettings(BaseModel):
    """Thresholds for ``leadline catalog check`` and the Backstage group-type mapping."""

    max_services_per_team: int = Field(
        default=8, description="A team owning more services than this is flagged."
    )
    max_cognitive_load: float = Field(
        default=7.0, description="A team whose cognitive load score (0-10) exceeds this is flagged."
    )
    max_collaboration_days: int = Field(
        default=90,
        description="Collaboration interactions are meant to be temporary; older ones are flagged.",
    )
    group_types: dict[str, GroupLevel] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "organization": "organisation",
            "organisation": "organisation",
            "company": "organisation",
            "business-unit": "business_unit",
            "business_unit": "business_unit",
            "division": "business_unit",
            "department": "business_unit",
            "team": "team",
            "squad": "team",
            "sub-department": "team",
            "product-area": "team",
        },
        description="Backstage Group spec.type -> leadline level; unknown types become teams, "
        "with a warning.",
    )


class TrackerSettings(BaseModel):
    """How an issue tracker or on-call tool (Jira, Linear, Opsgenie) is read: which issues are
    incidents, which field names their service, when work on a ticket starts (docs/delivery.md,
    "Issue trackers")."""

    incident_types: list[str] = Field(
        default_factory=list,
        description="Issue types (Jira) whose issues are incidents; case-insensitive.",
    )
    incident_labels: list[str] = Field(
        default_factory=list,
        description="Labels (Jira, Linear) or tags (Opsgenie) that make an issue an incident.",
    )
    incident_teams: list[str] = Field(
        default_factory=list,
        description="Team keys (Linear) every issue of which is an incident.",
    )
    service_field: str = Field(
        default="components",
        description="Where an issue names its service: components, labels, project, team, tags, "
        "impactedServices, or a custom field id (customfield_10050).",
    )
    service_prefix: str = Field(
        default="",
        description="Only values starting with this prefix name a service (stripped): "
        "'service:' reads the label 'service:checkout' as checkout.",
    )
    service_map: dict[str, str] = Field(
        default_factory=dict,
        description="A value of the service field -> catalog service (else the value is the name).",
    )
    start_statuses: list[str] = Field(
        default_factory=lambda: ["In Progress"],
        description="Statuses whose first entry (in the changelog) is a ticket's start.",
    )


class JiraSettings(TrackerSettings):
    """``[delivery.jira]``: the defaults hold for any key a partial section leaves out."""

    incident_types: list[str] = Field(default_factory=lambda: ["Incident"])
    incident_labels: list[str] = Field(default_factory=lambda: ["incident"])


class LinearSettings(TrackerSettings):
    """``[delivery.linear]``."""

    incident_labels: list[str] = Field(default_factory=lambda: ["incident"])
    service_field: str = "team"


class OpsgenieSettings(TrackerSettings):
    """``[delivery.opsgenie]``."""

    service_field: str = "tags"
    service_prefix: str = "service:"


class RevertSettings(BaseModel):
    """Merged revert pull/merge requests as failure signals (docs/delivery.md, "Reverts and
    rollbacks"). A pull request is a revert when its title or head branch matches a pattern;
    the body (or branch) names what it reverts with a named group ``number`` (a pull/merge
    request) or ``sha`` (a commit). Python regular expressions, searched case-sensitively."""

    enabled: bool = Field(default=True, description="Count merged reverts as failures.")
    title_patterns: list[str] = Field(default_factory=lambda: [r'^Revert "'])
    branch_patterns: list[str] = Field(default_factory=lambda: [r"^revert-"])
    target_patterns: list[str] = Field(
        default_factory=lambda: [
            r"\bReverts (?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+)",  # GitHub's Revert button
            r"\bReverts #(?P<number>\d+)",
            r"This reverts merge request !(?P<number>\d+)",  # GitLab's Revert button
            r"This reverts commit (?P<sha>[0-9a-f]{7,40})",  # git revert
            r"^revert-(?P<number>\d+)-",  # GitHub's revert branch: revert-123-feature
        ]
    )

    @model_validator(mode="after")
    def _compiles(self) -> RevertSettings:
        for name in ("title_patterns", "branch_patterns", "target_patterns"):
            for index, pattern in enumerate(getattr(self, name)):
                try:
                    re.compile(pattern)
                except re.error as error:
                    reason = f"{name}[{index}] is not a regular expression: {error}"
                    raise ValueError(reason) from None
        return self


class DeliverySettings(BaseModel):
    """How delivery data is read: which environments are production, what links incidents to
    deployments, which labels mark incidents and unplanned work."""

    production_environments: list[str] = Field(
        default_factory=lambda: ["production", "prod", "prd", "live"],
        description="Environment names (case-insensitive) whose deployments count for DORA.",
    )
    incident_window_hours: float = Field(
        default=24.0,
        ge=0,
        description="An incident with no explicit deployment is linked to its service's latest "
        "successful production deployment that finished at most this long before it started "
        "(a catalog service may set its own: leadline.io/incident-window-hours).",
    )
    incident_attribution: Literal["window", "latest"] = Field(
        default="window",
        description="How an incident with no explicit deployment finds its deployment: "
        "'window' (the latest within the service's incident window) or 'latest' (Apache "
        "DevLake's rule: the latest successful production deployment before it, no window).",
    )
    release_scope: Literal["service", "environment"] = Field(
        default="service",
        description="Where a service deploys to several production environments (regions, a "
        "canary): 'service' counts a release once (a commit reaching a further production "
        "environment is the same release), 'environment' counts each environment's deployment. "
        "Lead time comes from the first environment to receive a change either way.",
    )
    incident_labels: list[str] = Field(
        default_factory=lambda: ["incident"],
        description="Issue labels (GitHub) or types (GitLab) that make an issue an incident.",
    )
    hotfix_markers: list[str] = Field(
        default_factory=lambda: ["hotfix", "hot-fix", "bugfix/prod", "fix/prod"],
        description="Labels or branch prefixes marking unplanned fixes of user-facing defects.",
    )
    rollback_markers: list[str] = Field(
        default_factory=lambda: ["rollback", "roll-back", "revert"],
        description="Labels, tasks or descriptions marking a deployment as a rollback.",
    )
    generated_paths: list[str] = Field(
        default_factory=lambda: [
            "**/package-lock.json",
            "**/yarn.lock",
            "**/pnpm-lock.yaml",
            "**/poetry.lock",
            "**/uv.lock",
            "**/Cargo.lock",
            "**/go.sum",
            "**/*.min.js",
            "**/vendor/**",
        ],
        description="Glob patterns of generated files left out of pull-request size when "
        "per-file line counts are known (** spans directories, * stays within one).",
    )
    jira: JiraSettings = Field(default_factory=JiraSettings)
    linear: LinearSettings = Field(default_factory=LinearSettings)
    opsgenie: OpsgenieSettings = Field(default_factory=OpsgenieSettings)
    reverts: RevertSettings = Field(default_factory=RevertSettings)


class BurnRateRule(BaseModel):
    """Fire ``severity`` when the burn rate exceeds ``factor`` over both windows (SRE workbook,
    chapter 5, "multiwindow, multi-burn-rate alerts")."""

    severity: Literal["page", "ticket"]
    long_window: str  # e.g. "1h"
    short_window: str  # e.g. "5m"
    factor: float


def _workbook_rules() -> list[BurnRateRule]:
    return [
        BurnRateRule(severity="page", long_window="1h", short_window="5m", factor=14.4),
        BurnRateRule(severity="page", long_window="6h", short_window="30m", factor=6.0),
        BurnRateRule(severity="ticket", long_window="1d", short_window="2h", factor=3.0),
        BurnRateRule(severity="ticket", long_window="3d", short_window="6h", factor=1.0),
    ]


class ReliabilitySettings(BaseModel):
    """Burn-rate alerting, error-budget policy thresholds and the default Prometheus."""

    burn_rate_rules: list[BurnRateRule] = Field(
        default_factory=_workbook_rules,
        description="Multiwindow, multi-burn-rate rules (default: the SRE workbook's four).",
    )
    at_risk_remaining: float = Field(
        default=0.25, description="An SLO with less error budget left than this is at risk."
    )
    prometheus_url: str | None = Field(
        default=None, description="Prometheus used by SLOs whose data source names no URL."
    )
    step_seconds: int = Field(default=60, description="Resolution of pulled SLI samples.")
    http_retries: int = Field(default=4, description="Attempts per data-source request.")
    http_backoff_seconds: float = Field(
        default=0.5, description="First retry delay; doubles on each further attempt."
    )
    prometheus_lookback_days: int = Field(
        default=30, description="How far back the first pull of an SLO's samples reaches."
    )
    http_timeout_seconds: float = Field(default=30.0, description="Per request.")
    gate_override_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="How long an override of the deploy gate (leadline slo gate) lasts.",
    )


class RiskBand(BaseModel):
    """A rating band of the risk matrix: scores from ``min_score`` up to the next band's."""

    name: str
    min_score: int = Field(ge=1)


def _default_bands() -> list[RiskBand]:
    return [
        RiskBand(name="low", min_score=1),
        RiskBand(name="medium", min_score=5),
        RiskBand(name="high", min_score=10),
        RiskBand(name="critical", min_score=16),
    ]


class RiskSettings(BaseModel):
    """The risk matrix (likelihood x impact), its rating bands and review cadences."""

    likelihood_levels: int = Field(
        default=5, ge=2, le=10, description="Likelihood scale 1..N (default 5)."
    )
    impact_levels: int = Field(default=5, ge=2, le=10, description="Impact scale 1..N (default 5).")
    bands: list[RiskBand] = Field(
        default_factory=_default_bands,
        description="Score = likelihood x impact; each band starts at min_score (ascending, the "
        "first at 1). Default for 5x5: low 1-4, medium 5-9, high 10-15, critical 16-25.",
    )
    review_every_days: int = Field(
        default=90, ge=1, description="Default review cadence of a risk without its own."
    )
    attestation_valid_days: int = Field(
        default=365, ge=1, description="An attestation without expires_on expires this long after."
    )
    ai_evaluation_every_days: int = Field(
        default=180, ge=1, description="Default evaluation cadence of an AI system."
    )

    @model_validator(mode="after")
    def _bands_ascend_from_one(self) -> RiskSettings:
        starts = [band.min_score for band in self.bands]
        if not starts or starts[0] != 1 or starts != sorted(set(starts)):
            raise ValueError("risk bands must start at 1 and ascend strictly")
        if starts[-1] > self.likelihood_levels * self.impact_levels:
            raise ValueError("a risk band starts above the largest score of the matrix")
        return self


class WebSettings(BaseModel):
    """The web app: sessions, login throttling, anonymous read and optional OIDC (docs/web.md)."""

    session_secret: SecretStr | None = Field(
        default=None,
        description="Key signing session cookies; default: a random key kept in "
        "LEADLINE_HOME/.session-key.",
    )
    secure_cookies: bool = Field(
        default=False, description="Mark cookies Secure (set when served behind https)."
    )
    trust_forwarded_proto: bool = Field(
        default=False,
        description="Trust X-Forwarded-Proto from the proxy in front (https: Secure cookies).",
    )
    max_body_mb: float = Field(
        default=25.0, gt=0, description="Largest webhook body (GitHub's own limit is 25 MB)."
    )
    max_form_kb: float = Field(
        default=1024.0, gt=0, description="Largest form or API JSON body outside the webhooks."
    )
    session_max_age_hours: float = Field(default=12.0, description="Session lifetime.")
    anonymous_read: bool = Field(
        default=False, description="Let visitors read pages and the API without logging in."
    )
    login_attempts: int = Field(
        default=5, ge=1, description="Failed logins allowed per client address and user name..."
    )
    login_window_seconds: float = Field(default=300.0, description="...within this many seconds.")
    token_days: int = Field(default=90, ge=1, description="Default lifetime of an API token.")
    cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Reports are recomputed when data changes, or at the latest after this "
        "long (0 turns the cache off).",
    )
    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect issuer URL; enables 'log in with SSO'."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_default_role: Literal["viewer", "editor", "admin"] = Field(
        default="viewer", description="Role of a user created by their first OIDC login."
    )


class IngestSettings(BaseModel):
    """Limits on what input files may cost: a small crafted file must not take gigabytes, nest
    past the stack, or make leadline read files outside the catalog it was given."""

    yaml_max_nodes: int = Field(
        default=1_000_000,
        ge=1,
        description="Nodes one YAML document may expand to, alias references counted each time "
        "they are used (refuses alias bombs).",
    )
    yaml_max_document_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="Largest YAML document read, in bytes."
    )
    max_nesting_depth: int = Field(
        default=100,
        ge=1,
        description="Deepest nesting of brackets in a CSV cell, a YAML document or a webhook "
        "JSON body; deeper ones are refused (that row, document or request).",
    )
    max_text_chars: int = Field(
        default=10_000,
        ge=1,
        description="Longest text value, in characters: a longer one rejects its CSV row, YAML "
        "document or webhook delivery (issue 16: a 1 MB owner was accepted).",
    )
    max_id_chars: int = Field(
        default=512,
        ge=1,
        description="Longest id, in characters: a CSV column or YAML key named id or ending in "
        "_id, a webhook delivery's ids.",
    )
    location_roots: list[Path] = Field(
        default_factory=list,
        description="Directories Backstage Location file targets may point into besides the "
        "directory tree of the file naming them.",
    )


class Settings(BaseSettings):
    """All run-time settings. Paths are resolved against the current directory."""

    model_config = SettingsConfigDict(
        env_prefix="LEADLINE_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(default=DEFAULT_HOME, description="Directory holding the store and lake.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in LEADLINE_HOME."
    )
    lake: str | None = Field(
        default=None, description="Lake directory; default: LEADLINE_HOME/lake."
    )
    engine: Literal["duckdb", "spark"] = Field(default="duckdb", description="Metric engine.")
    spark_master: str = Field(default="local[2]", description="spark.master for the Spark engine.")
    duckdb_memory_limit: str = Field(
        default="3GiB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory DuckDB may hold before it spills to a temporary directory.",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description="Extra Spark configuration (key -> value)."
    )
    naive_timezone: str = Field(
        default="UTC",
        description="Zone assumed for timestamps given without an offset in input files.",
    )
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    reliability: ReliabilitySettings = Field(default_factory=ReliabilitySettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    github_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret of GitHub webhook signatures (X-Hub-Signature-256)."
    )
    gitlab_webhook_token: SecretStr | None = Field(
        default=None, description="Token GitLab sends in X-Gitlab-Token."
    )
    pagerduty_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret of PagerDuty v3 signatures (X-PagerDuty-Signature)."
    )
    jira_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret of Jira Cloud webhook signatures (X-Hub-Signature)."
    )
    linear_webhook_secret: SecretStr | None = Field(
        default=None, description="Signing secret of Linear webhooks (Linear-Signature)."
    )
    opsgenie_webhook_token: SecretStr | None = Field(
        default=None,
        description="Token an Opsgenie webhook integration sends as the custom header "
        "X-Leadline-Token (Opsgenie does not sign its webhooks).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file.get()
        if config_file is not None and config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / DATABASE_FILE_NAME}"

    @property
    def lake_path(self) -> Path:
        if self.lake:
            return Path(self.lake).expanduser().resolve()
        return self.resolved_home / LAKE_DIR_NAME

    @property
    def config_path(self) -> Path:
        return config_file_path(self.home)


def config_file_path(home: Path | None = None) -> Path:
    """The config file in effect: ``$LEADLINE_CONFIG`` or ``<home>/leadline.toml``."""
    explicit = os.environ.get("LEADLINE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    if home is None:
        home = Path(os.environ.get("LEADLINE_HOME", str(DEFAULT_HOME)))
    return home.expanduser() / CONFIG_FILE_NAME


def load_settings(**overrides: Any) -> Settings:
    """Build settings, reading the config file that belongs to the chosen home."""
    home = overrides.get("home")
    token = _config_file.set(config_file_path(Path(home) if home is not None else None))
    try:
        return Settings(**overrides)
    finally:
        _config_file.reset(token)


DEFAULT_CONFIG_TEXT = """\
# leadline configuration. Environment variables (LEADLINE_*) override what is set here.
# See docs/configuration.md for every setting.

# engine = "duckdb"            # or "spark" for data that outgrows one machine
# spark_master = "local[2]"    # any spark.master, e.g. "spark://host:7077"
# duckdb_memory_limit = "3GiB" # DuckDB spills to a temporary directory beyond this
# database_url = "postgresql+psycopg://leadline@db.example.com/leadline"
# lake = "/data/leadline/lake"
# naive_timezone = "UTC"       # zone assumed for timestamps written without an offset

[catalog]
# max_services_per_team = 8
# max_cognitive_load = 7.0
# max_collaboration_days = 90
"""
