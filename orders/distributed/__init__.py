"""The old path of :mod:`orders.io.distributed` (with the ``dask`` extra), kept so
that ``orders.distributed.replay_files`` keeps working."""

from orders.io.distributed import (
    DEFAULT_BLOCK_SIZE as DEFAULT_BLOCK_SIZE,
    MIN_BLOCK_SIZE as MIN_BLOCK_SIZE,
    PARTITION_BYTES as PARTITION_BYTES,
    WORKER_TIMEOUT as WORKER_TIMEOUT,
    OutputNotShared as OutputNotShared,
    SchedulerError as SchedulerError,
    block_offsets as block_offsets,
    blocks as blocks,
    replay_files_on_dask as replay_files_on_dask,
    replay_partition as replay_partition,
    split_block as split_block,
    write_replay_on_dask as write_replay_on_dask,
)

replay_files = replay_files_on_dask
"""The old name of :func:`replay_files_on_dask`."""

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "MIN_BLOCK_SIZE",
    "PARTITION_BYTES",
    "WORKER_TIMEOUT",
    "OutputNotShared",
    "SchedulerError",
    "replay_files",
    "replay_files_on_dask",
    "write_replay_on_dask",
]
