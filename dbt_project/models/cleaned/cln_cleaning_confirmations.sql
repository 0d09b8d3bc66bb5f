-- The issues a field team or officer verified and confirmed (no_action applied in
-- cln_cleaning_log): closed, so they neither block a submission nor come back in the
-- verification workbooks. One row per entry; `rule` is empty when the entry confirmed a
-- field whatever the rule (a row of the seed), and then matches every rule on that field.
select distinct form, submission_id, rule, field
from {{ ref('cln_cleaning_log') }}
where decision = 'no_action' and status = 'applied'
