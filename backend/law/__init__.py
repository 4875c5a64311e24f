"""The legal-parameter store: every figure the law sets (fees, base salary, benefit tables, holidays, deadlines
in days, surcharge rate...) as dated data with its legal source. See store.py and README "Legal parameters"."""
