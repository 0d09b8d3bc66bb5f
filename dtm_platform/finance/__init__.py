"""The programme's money: expenditures imported from the finance system's exports, set
against the budget the office keeps (seeds ref_budget, ref_programme_thresholds)."""
