from bot.engine.retrieval.hybrid import *  # noqa: F403
from bot.engine.retrieval.hybrid import _passage_ts, _to_timestamp  # noqa: F401
