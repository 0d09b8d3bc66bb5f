-- The answers imported from the field teams' verification workbooks (the ledger under
-- DTM_HOME/cleaning, source cleaning.imported_answers), typed. A view: the ledger is small
-- and changes between builds.
{{ config(materialized='view') }}
select
    form,
    try_cast(submission_id as bigint) as submission_id,
    nullif(field, '') as field,
    decision,
    old_value,
    new_value,
    reason,
    changed_by,
    try_cast(changed_at as timestamp) as changed_at,
    nullif(rule, '') as rule,
    source_file,
    try_cast(source_row as integer) as source_row,
    team,
    imported_by
from {{ source('cleaning', 'imported_answers') }}
