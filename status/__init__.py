"""Status rounds from leaders and the half-year report: pure models, rules and renderers."""
