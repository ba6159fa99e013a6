"""The benchmark's one table: measured cases, then ratios against their targets marked ok/MISS."""
from dataclasses import dataclass, field

OPS = {">=": lambda value, target: value >= target,
       "<=": lambda value, target: value <= target,
       "==": lambda value, target: value == target}


@dataclass
class Ratio:
    name: str
    value: float | None          # None: could not be measured (counts as MISS)
    op: str | None = None        # None: informational, no target
    target: float | None = None
    note: str = ""

    @property
    def status(self):
        if self.op is None:
            return ""
        if self.value is None:
            return "MISS"
        return "ok" if OPS[self.op](self.value, self.target) else "MISS"


@dataclass
class Report:
    header: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)      # name -> WrkResult
    notes: dict = field(default_factory=dict)     # name -> short note shown beside the row
    ratios: list = field(default_factory=list)

    def add(self, name, result, note=""):
        self.rows[name] = result
        if note:
            self.notes[name] = note

    def ratio(self, name, value, op=None, target=None, note=""):
        self.ratios.append(Ratio(name, value, op, target, note))

    def misses(self):
        return [r for r in self.ratios if r.status == "MISS"]

    def _label(self, name):
        return name + (f" ({self.notes[name]})" if name in self.notes else "")

    @staticmethod
    def _ratio_label(ratio):
        return ratio.name + (f" [{ratio.note}]" if ratio.note else "")

    def render(self):
        lines = [*self.header, ""]
        width = max([len(self._label(name)) for name in self.rows] + [40])
        lines.append(f"| {'case':<{width}} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>8} | {'errors':>6} |")
        lines.append(f"|{'-' * (width + 2)}|{'-' * 9}:|{'-' * 8}:|{'-' * 9}:|{'-' * 7}:|")
        for name, r in self.rows.items():
            rps = f"{r.rps:.0f}" if r.rps >= 10 else f"{r.rps:.2f}"
            lines.append(f"| {self._label(name):<{width}} | {rps:>8} | {r.p50:>7.2f} | {r.p99:>8.1f} | {r.errors:>6} |")
        width = max([len(self._ratio_label(r)) for r in self.ratios] + [40])
        lines += ["", f"| {'ratio':<{width}} | {'measured':>9} | {'target':>8} | {'':<4} |",
                  f"|{'-' * (width + 2)}|{'-' * 10}:|{'-' * 9}:|{'-' * 6}|"]
        for r in self.ratios:
            value = "n/a" if r.value is None else _fmt(r.value)
            target = "" if r.op is None else f"{r.op} {_fmt(r.target)}"
            lines.append(f"| {self._ratio_label(r):<{width}} | {value:>9} | {target:>8} | {r.status:<4} |")
        misses = self.misses()
        met = sum(1 for r in self.ratios if r.status == "ok")
        lines += ["", f"{met} of {sum(1 for r in self.ratios if r.op)} targets met"
                      + (f"; MISS: {', '.join(r.name for r in misses)}" if misses else "")]
        return "\n".join(lines)


def _fmt(value):
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    if abs(value) < 10:  # three decimals, so a 0.799 is not shown as a missed 0.80
        return f"{value:.3f}"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
