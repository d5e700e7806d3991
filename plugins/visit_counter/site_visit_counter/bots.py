"""Recognising bots and crawlers by User-Agent, with a maintained pattern list.

The patterns are those of the ``crawler-user-agents`` project (its PyPI
package), not a hand-written list. Matching costs about 0.1 ms, so results
are remembered for the most recent User-Agents.
"""
from functools import lru_cache

import crawleruseragents

MAX_LENGTH = 512  # longer User-Agents are judged on their start


def is_bot(user_agent: str | None) -> bool:
    """True for crawlers, bots, scripts, and requests without a User-Agent."""
    if not user_agent or not user_agent.strip():
        return True
    return _is_crawler(user_agent[:MAX_LENGTH])


@lru_cache(maxsize=4096)
def _is_crawler(user_agent: str) -> bool:
    return crawleruseragents.is_crawler(user_agent)
