"""The data officer's cleaning loop with the field teams: verification workbooks out
(workbooks.py), answers back (answers.py) into the cleaning-log ledger (ledger.py), which
dbt applies with the ref_cleaning_log seed (cln_cleaning_log) and reviews
(dq_cleaning_review)."""
