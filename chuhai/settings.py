"""The one settings class. Every value can be set by an env var with prefix CHUHAI_."""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHUHAI_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="All state lives here")
    shared_data_dir: Path = Field(REPO_ROOT.parent / "shared" / "data",
                                  description="Real data sets (read-only), see shared/data/README.md")
    store_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite under data_dir")
    checkpoint_url: str | None = Field(None, description="LangGraph checkpointer; default sqlite under data_dir")
    train_missing_models: bool = Field(True, description="`chuhai serve` trains the specialists' missing models "
                                       "(forecast, elasticity, reviews, ...) in a low-priority background process")

    # Knowledge base (vectorstore/)
    kb_url: str | None = Field(None, description="Chroma server URL (HttpClient); default embedded under data_dir/kb")
    kb_collection: str = Field("chuhai_kb", description="Chroma collection of the knowledge base")

    # LLM
    llm_backend: str = Field("llama_cpp", description="llama_cpp | openai | fake")
    llm_model_path: Path | None = Field(None, description="GGUF path; default the bundled SmolLM2")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible server URL (vLLM, llama.cpp server, Ollama)")
    llm_model_name: str = "SmolLM2-135M-Instruct"
    llm_api_key: str = "not-needed"
    llm_threads: int = Field(1, description="llama.cpp threads; 1 keeps the other core for the API")
    llm_ctx: int = 2048
    llm_timeout_s: float = 30.0
    llm_retries: int = 2
    llm_max_tokens: int = 256

    # Router
    router_min_confidence: float = Field(0.45, description="below this the LLM is asked to route")

    # API
    api_keys: dict[str, str] = Field(default_factory=dict,
                                     description='JSON object {"key": "admin|operator|scheduler|customer:<user_id>"}')
    max_input_chars: int = 4000
    run_concurrency: int = Field(4, description="graph runs executing at once per API process")
    workers: int = Field(1, ge=1, description="API processes of `chuhai serve` (SQLite files are shared safely)")
    log_level: str = "INFO"
    log_json: bool = True

    # Guards (guards/policy.py): limits a tool call may not pass whatever the LLM said
    max_refund_amount: float = Field(500.0, description="refunds above this need a person's approval")
    max_price_change_pct: float = Field(20.0, description="price changes above this percent are stopped")

    # Pricing agent (agents/pricing.py): constraint defaults, each overridable in a request
    pricing_min_margin_pct: float = Field(20.0, ge=0, description="minimum margin: net price (GBP, without VAT) >= "
                                          "landed cost x (1 + this/100)")
    pricing_max_step_pct: float = Field(20.0, gt=0, le=100, description="largest price change per step, percent of "
                                        "the current price and of the day's opening price (per day)")
    pricing_untrusted_step_pct: float = Field(5.0, gt=0, le=100, description="largest step when the elasticity "
                                              "estimate is not trusted")
    pricing_competitor_band_pct: float = Field(10.0, ge=0, le=100, description="prices stay within this percent "
                                               "below the lowest and above the highest competitor price")
    pricing_competitor_max_age_days: int = Field(30, ge=1, description="stored competitor prices older than this are ignored")
    pricing_default_cost_ratio: float = Field(0.4, gt=0, lt=1, description="FLAGGED ASSUMPTION when no unit cost is "
                                              "given or stored: cost = this x the historical median home price "
                                              "without VAT")
    pricing_units_per_shipment: int = Field(12, ge=1, description="units per consignment (the shop sells in "
                                            "cartons): the de-minimis test of import duty")
    pricing_fx_fee_pct: float = Field(1.0, ge=0, le=20, description="currency conversion cost on foreign-currency sales")
    pricing_fx_max_age_days: int = Field(45, ge=1, description="answers warn when the FX table is older than this")
    pricing_price_window_days: int = Field(90, ge=7, description="reference price: median of the last N days of a "
                                           "product's home sales")
    pricing_min_change_pct: float = Field(0.5, ge=0, description="the repricing pass proposes no change smaller than this")
    pricing_batch_max_products: int = Field(25, ge=1, le=500, description="products per repricing pass (the largest "
                                            "by recent home revenue)")
    pricing_batch_trusted_only: bool = Field(True, description="the repricing pass covers only products with a "
                                             "trusted elasticity estimate")
    pricing_batch_markets: list[str] = Field(["GB"], description="markets the repricing pass prices")

    # Data security (store/keys.py, docs/DATA_SECURITY.md): base64 of 32 random bytes each;
    # unset keys are generated once into data_dir/store_keys.json (embedded SQLite store only)
    store_key: SecretStr | None = Field(None, description="AES-256-GCM key of the store's personal columns")
    store_old_keys: list[SecretStr] = Field(default_factory=list,
                                            description="JSON list of retired store keys, still read until rotate-key has re-sealed")
    store_index_key: SecretStr | None = Field(None, description="HMAC key of the blind indexes (e-mail, name+zip look-ups)")
    pseudonym_key: SecretStr | None = Field(None, description="HMAC-SHA256 key of pseudonyms (audit log, analytics exports)")
    erasure_deadline_days: int = Field(30, ge=1, description="an erasure request's deadline after it is received")

    # Slack (slack_app/): Socket Mode with an app token, else HTTP mode (/slack/events) with a signing secret
    slack_bot_token: SecretStr | None = Field(None, description="bot token (xoxb-...)")
    slack_app_token: SecretStr | None = Field(None, description="app-level token (xapp-...): Socket Mode")
    slack_signing_secret: SecretStr | None = Field(None, description="signing secret: HTTP mode at POST /slack/events")
    slack_operator_group: str | None = Field(None, description="who may approve from Slack: a user group id (S...) "
                                             "and/or user ids (U...), comma-separated; unset: nobody")
    slack_summary_channel: str | None = Field(None, description="channel id for scheduled run summaries")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests: a local fake)")

    # Scheduled runs (scheduler/): each job's schedule is a 5-field cron line or "every 15m|2h|1d"
    scheduler_enabled: bool = Field(True, description="`chuhai serve` runs the scheduled jobs")
    scheduler_url: str | None = Field(None, description="SQLAlchemy URL of the job store and run records; "
                                      "default sqlite under data_dir (Postgres for scale-out)")
    scheduler_timezone: str = Field("UTC", description="time zone of the cron schedules")
    scheduler_run_retention_days: int = Field(90, ge=0, description="finished run records older than this are "
                                              "deleted after each run (0 keeps them forever)")
    scheduler_stale_run_s: int = Field(6 * 3600, ge=60, description="a run still marked running after this "
                                       "is taken as crashed and no longer blocks its job")
    schedule_auto_approve: bool = Field(False, description="scheduled runs auto-approve writes within the policy "
                                        "limits (above them a person always decides)")
    schedule_repricing: str = "0 2 * * *"
    schedule_repricing_enabled: bool = True
    schedule_disputes: str = "0 6 * * *"
    schedule_disputes_enabled: bool = True
    schedule_selection_report: str = "0 7 * * 1"
    schedule_selection_report_enabled: bool = True
    schedule_selection_markets: list[str] = Field(["US", "UK", "DE", "FR", "JP"],
                                                  description="target markets of the weekly selection report")
    schedule_compliance_sweep: str = "0 3 * * *"
    schedule_compliance_sweep_enabled: bool = True
    schedule_support_inbox: str = "every 10m"
    schedule_support_inbox_enabled: bool = True

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_keys(cls, v):
        if isinstance(v, str):
            return json.loads(v) if v.strip() else {}
        return v

    @cached_property
    def state_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    @property
    def store_db_url(self) -> str:
        return self.store_url or f"sqlite:///{self.state_dir / 'store.db'}"

    @property
    def checkpoint_path(self) -> str:
        return self.checkpoint_url or str(self.state_dir / "checkpoints.db")

    @property
    def models_dir(self) -> Path:
        d = self.state_dir / "models"
        d.mkdir(parents=True, exist_ok=True)
        return d
