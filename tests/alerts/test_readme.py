"""The README's rules table is checked against the catalog, so the two cannot drift apart."""
from pathlib import Path

from syslog.alerts.rules import RULES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_rule_is_documented_with_its_defaults():
    rows = {line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in README.read_text().splitlines() if line.startswith("| `")}
    for rule in RULES:
        _, severity, default, threshold, window = rows[rule.key]
        assert severity == rule.severity and window == str(rule.window_minutes)
        assert default == ("always on" if not rule.can_disable else "on" if rule.enabled else "off")
        if rule.threshold_range:
            low, high = rule.threshold_range
            assert threshold.startswith(f"{rule.threshold:,} ") and f"({low:,}–{high:,})" in threshold
        else:
            assert threshold.startswith("every occurrence")
