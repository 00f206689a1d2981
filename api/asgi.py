"""ASGI entry for uvicorn (`chuhai serve`): the app on real dependencies from settings."""
from chuhai.logs import configure_logging
from chuhai.settings import Settings

_settings = Settings()
configure_logging(_settings.log_level, _settings.log_json)

from api.main import create_app  # noqa: E402

app = create_app()
