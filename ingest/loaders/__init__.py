from ingest.loaders.files import *  # noqa: F403
from ingest.loaders.files import html_to_text, is_authoritative, iter_source, source_kind  # noqa: F401
