"""Documents, execution logs, their replay and recording, rows for DataFrames."""
