"""axe-core (vendored) in a Chromium page: the serious and critical violations it finds."""
from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def violations(page):
    """Inject axe-core (the context needs bypass_csp) and return serious or critical violations."""
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]
