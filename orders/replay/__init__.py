"""The old path of :mod:`orders.io.replay`, kept so that its names keep working."""

from orders.io.replay import (
    DEFAULT_ACCOUNT as DEFAULT_ACCOUNT,
)
from orders.io.replay import (
    AccountsResult as AccountsResult,
)
from orders.io.replay import (
    Refusal as Refusal,
)
from orders.io.replay import (
    ReplayResult as ReplayResult,
)
from orders.io.replay import (
    partition_of as partition_of,
)
from orders.io.replay import (
    replay as replay,
)
from orders.io.replay import (
    replay_accounts as replay_accounts,
)
from orders.io.replay import (
    replay_files as replay_files,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "AccountsResult",
    "Refusal",
    "ReplayResult",
    "partition_of",
    "replay",
    "replay_accounts",
    "replay_files",
]
