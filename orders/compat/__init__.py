"""Other libraries' spelling of the same orders: backtrader's brackets."""
