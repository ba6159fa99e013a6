"""공공누리 (Korea Open Government License) types: their Korean names, conditions and link."""
from dataclasses import dataclass

LICENSE_URL = "https://www.kogl.or.kr/info/license.do"
TYPES = (1, 2, 3, 4)
# The conditions each type adds to 출처표시 (attribution), as the official marks show them.
_CONDITIONS = {1: (), 2: ("상업적 이용금지",), 3: ("변경금지",), 4: ("상업적 이용금지", "변경금지")}


@dataclass(frozen=True)
class License:
    type: int
    conditions: tuple[str, ...]

    @property
    def label(self):
        """Return the official name: 공공누리 제4유형: 출처표시+상업적 이용금지+변경금지."""
        return f"공공누리 제{self.type}유형: " + "+".join(("출처표시", *self.conditions))

    @property
    def url(self):
        return LICENSE_URL

    @property
    def rights(self):
        """Return the text feeds carry as rights/copyright."""
        return f"{self.label} ({LICENSE_URL})"

    @property
    def no_commercial(self):
        return "상업적 이용금지" in self.conditions

    @property
    def no_derivatives(self):
        return "변경금지" in self.conditions

    def as_json(self):
        """Return the JSON Feed extension object (`_kogl`) and the API's `license`."""
        return {"type": self.type, "label": self.label, "url": LICENSE_URL}


def license_of(kogl_type):
    """Return the License of a type 1–4, or None for anything else."""
    return License(kogl_type, _CONDITIONS[kogl_type]) if kogl_type in _CONDITIONS else None


def choices():
    """Return (type, label) for forms."""
    return [(t, license_of(t).label) for t in TYPES]
