"""The old path of :mod:`orders.io.distributed` (with the ``dask`` extra), kept so
that ``orders.distributed.replay_files`` keeps working."""

from orders.io.distributed import (
    DEFAULT_BLOCK_SIZE as DEFAULT_BLOCK_SIZE,
)
from orders.io.distributed import (
    MIN_BLOCK_SIZE as MIN_BLOCK_SIZE,
)
from orders.io.distributed import (
    WORKER_TIMEOUT as WORKER_TIMEOUT,
)
from orders.io.distributed import (
    SchedulerError as SchedulerError,
)
from orders.io.distributed import (
    Split as Split,
)
from orders.io.distributed import (
    block_offsets as block_offsets,
)
from orders.io.distributed import (
    blocks as blocks,
)
from orders.io.distributed import (
    merge as merge,
)
from orders.io.distributed import (
    replay_files_on_dask as replay_files_on_dask,
)
from orders.io.distributed import (
    replay_partition as replay_partition,
)
from orders.io.distributed import (
    split_block as split_block,
)

replay_files = replay_files_on_dask
"""The old name of :func:`replay_files_on_dask`."""

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "MIN_BLOCK_SIZE",
    "WORKER_TIMEOUT",
    "SchedulerError",
    "replay_files",
    "replay_files_on_dask",
]
