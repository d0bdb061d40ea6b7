import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_prints_its_orders() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "DecimalOrder(id='limit-1', BUY 100 AAPL LIMIT 150.00, OPEN, filled 0/100)",
        "DecimalOrder(id='stop-1', SELL 100 AAPL STOP 145.00, OPEN, filled 0/100)",
        "DecimalOrder(id='trail-1', SELL 100 AAPL TRAILING_STOP trail 5%, OPEN, filled 0/100)",
        "DecimalOrder(id='crypto-1', BUY 0.00012345 BTC LIMIT 42000.5, OPEN, filled 0/0.00012345)",
    ]
