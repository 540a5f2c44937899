"""Independent Python evaluations of Stata's documented rules, used as test oracles."""
