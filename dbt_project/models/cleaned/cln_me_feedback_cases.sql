-- The complaints and feedback case register: every case as it stands, with its deadline
-- (ref_feedback_deadlines: its type and category's, else its category's, else its type's),
-- how long it took or has been open, and whether it is sensitive (flagged so, or of a
-- category ref_feedback_sensitive_categories lists, whatever the flag says). Its data-quality
-- rules are dq_me_feedback_findings' (a case number recorded twice, a date received in the
-- future block the case; dates, response and referral missing or contradictory warn).
--
-- This is the M&E officer's case-level view, and it stays in the warehouse on purpose: every
-- table of the marts schema is published (snapshot, exports, Postgres), and a sensitive case
-- must never leave the platform as a row. The marts count cases (me_feedback_*), and serving
-- withholds their small counts. A case is corrected by editing it in Kobo, not through the
-- cleaning log, whose review mart is published row by row.
with cases as (
    select * from {{ ref('stg_kobo__me_feedback') }}
),

flags as (
    {{ dq_flags('me_feedback') }}
),

deadlines as (
    select case_type, category, deadline_days from {{ ref('ref_feedback_deadlines') }}
),

sensitive as (
    select category from {{ ref('ref_feedback_sensitive_categories') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
),

dated as (
    select
        cases.*,
        admin1.name as admin1_name,
        admin2.name as admin2_name,
        coalesce(cases.is_flagged_sensitive, false) or sensitive.category is not null as is_sensitive,
        coalesce(both_rule.deadline_days, category_rule.deadline_days, type_rule.deadline_days) as deadline_days,
        cases.status = 'closed' as is_closed,
        {{ as_of_date() }} as as_of_date,
        coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
        coalesce(flags.dq_rules_failed, []) as dq_rules_failed
    from cases
    left join flags on flags.submission_id = cases.submission_id
    left join sensitive on sensitive.category = cases.category
    left join deadlines as both_rule on both_rule.case_type = cases.case_type and both_rule.category = cases.category
    left join deadlines as category_rule on category_rule.case_type = '*' and category_rule.category = cases.category
    left join deadlines as type_rule on type_rule.case_type = cases.case_type and type_rule.category = '*'
    left join admin_names as admin1 on admin1.pcode = cases.admin1_pcode
    left join admin_names as admin2 on admin2.pcode = cases.admin2_pcode
)

select
    *,
    date_received + deadline_days as due_date,   -- a date (date + interval would be a timestamp)
    -- not from a closing date before the receipt (closed_before_received: a typo the officer
    -- corrects in Kobo), which would pull the median days to resolution down
    case when is_closed and date_closed >= date_received then date_diff('day', date_received, date_closed) end
        as days_to_resolution,
    case when not is_closed then date_diff('day', date_received, as_of_date) end as days_open,
    coalesce(is_closed and date_closed > date_received + deadline_days, false) as is_closed_after_deadline,
    coalesce(not is_closed and as_of_date > date_received + deadline_days, false) as is_overdue
from dated
