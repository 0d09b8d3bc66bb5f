-- The findings of the field monitoring visits, each with its visit's code, date, partner and
-- place, and the visit's blocking flag (a duplicate copy's findings are the first copy's:
-- the marts count them once, from the visit that is not blocked). Status and dates are the
-- submission's current ones: a finding closed by an edit after the visit is closed here.
select
    findings.*,
    visits.visit_code,
    visits.visit_date,
    visits.partner_code,
    visits.admin1_pcode,
    visits.admin2_pcode,
    visits.has_blocking_issue
from {{ ref('stg_kobo__me_field_visit__findings') }} as findings
join {{ ref('cln_me_field_visits') }} as visits using (submission_id)
